"""How a family is named on screen: "Katarzyna Nowak (2 dzieci)", never its UUID."""

from __future__ import annotations

from typing import Any

ADULT_ROLES = ("parent", "guardian", "pregnant_woman", "other")


def person_name(member: dict[str, Any]) -> str:
    return f"{member.get('first_name', '')} {member.get('last_name', '')}".strip()


def children_count(members: list[dict[str, Any]]) -> int:
    return sum(1 for m in members if m.get("role") == "child")


def family_label(display_name: str | None, children: int | None, lang: str = "pl") -> str:
    """ "Katarzyna Nowak (2 dzieci)": the person to ask for and the number of children, as the
    services' list answers give them; '?' without a name."""
    name = (display_name or "").strip()
    if not name:
        return "?"
    if not children:
        return name
    word = ("child" if children == 1 else "children") if lang == "en" else "dzieci"
    if lang != "en" and children == 1:
        word = "dziecko"
    return f"{name} ({children} {word})"


def labelled(rows: list[dict[str, Any]], lang: str = "pl") -> list[dict[str, Any]]:
    """List answers (cases, referrals) with each family's label under "family"."""
    return [
        {**row, "family": family_label(row.get("display_name"), row.get("children"), lang)}
        for row in rows
    ]


def family_name(members: list[dict[str, Any]] | None, lang: str = "pl") -> str:
    """The first adult's name and the number of children, from a case file's or a referral's
    members; '?' when the answer had no members (an erased family shows the services'
    `[usunięto]`)."""
    if not members:
        return "?"
    adults = [m for m in members if m.get("role") in ADULT_ROLES] or members
    return family_label(person_name(adults[0]), children_count(members), lang)
