"""A family as a service's read model keeps it for lists and search: its card (names, contact
details) sealed under the family's key, and keyed digests of its surnames' prefixes and its
members' PESEL numbers, so that nothing personal is stored in clear (see
shared.domain.name_search for the choice of prefix digests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from shared.domain.identifiers import pesel_digest
from shared.domain.name_search import query_digests, surname_digests
from shared.events.family import FamilyMember, family_card
from shared.events.personal import ERASED
from shared.eventstore.crypto import open_value, seal_value

ERASED_CARD: dict[str, Any] = {
    "family_name": ERASED,
    "display_name": ERASED,
    "address": None,
    "phone": None,
}


def spaced(digests: Sequence[str]) -> str:
    # Each preceded by a space: `LIKE '% digest%'` finds one, on PostgreSQL and SQLite alike.
    return "".join(" " + d for d in digests)


def family_columns(
    key: bytes | None, family_id: UUID, members: Sequence[FamilyMember], lookup_key: bytes
) -> dict[str, Any]:
    """The columns `family`, `surname_digests`, `pesel_digests`; all null for a family
    erased before (no key, or members already reading as erased)."""
    if key is None or any(m.first_name == ERASED for m in members):
        return {"family": None, "surname_digests": None, "pesel_digests": None}
    return {
        "family": seal_value(key, family_id, family_card(tuple(members))),
        "surname_digests": spaced(surname_digests(lookup_key, [m.last_name for m in members])),
        "pesel_digests": spaced(
            sorted({pesel_digest(lookup_key, m.pesel) for m in members if m.pesel})
        ),
    }


ERASED_COLUMNS: dict[str, Any] = {"family": None, "surname_digests": None, "pesel_digests": None}
"""What erasure writes into those columns."""


def open_card(key: bytes | None, family_id: UUID, sealed: str | None) -> dict[str, Any]:
    """The family's card, or ERASED_CARD once its key is destroyed or its columns cleared."""
    card = open_value(key, family_id, sealed) if sealed is not None else None
    if card is None:
        return dict(ERASED_CARD)
    return {name: card.get(name) for name in ERASED_CARD}


def search_patterns(
    lookup_key: bytes, *, surname: str | None, pesel: str | None
) -> tuple[list[str], list[str]]:
    """LIKE patterns on `surname_digests` (every word of `surname` begins a surname) and on
    `pesel_digests` (a member's PESEL)."""
    names = [f"% {d}%" for d in query_digests(lookup_key, surname)] if surname else []
    pesels = [f"% {pesel_digest(lookup_key, pesel)}%"] if pesel else []
    return names, pesels
