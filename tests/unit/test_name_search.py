"""Searching surnames through keyed digests of folded prefixes: what a user types without
Polish letters finds a name spelled with them, a word's middle does not match, and nothing
stored reveals the name without the key."""

from __future__ import annotations

from shared.domain.name_search import fold, query_digests, surname_digests

KEY = b"k" * 32


def _finds(query: str, *surnames: str) -> bool:
    stored = set(surname_digests(KEY, surnames))
    wanted = query_digests(KEY, query)
    return bool(wanted) and all(d in stored for d in wanted)


def test_folding_drops_polish_letters_and_case() -> None:
    assert fold("  ŁÓDŹ  Żółć ") == "lodz zolc"


def test_a_folded_prefix_finds_the_surname() -> None:
    assert _finds("lodz", "Łódź")
    assert _finds("ŁÓD", "Łódź")
    assert _finds("kowal", "Kowalska")
    assert _finds("nowak", "Kowalska-Nowak")  # either part of a double-barrelled name


def test_no_match_inside_a_word_or_with_another_key() -> None:
    assert not _finds("lodz", "Młodzież")
    assert not _finds("owal", "Kowalska")
    assert set(query_digests(b"x" * 32, "lodz")).isdisjoint(surname_digests(KEY, ["Łódź"]))


def test_a_query_too_short_has_no_digest_and_the_digests_are_not_the_name() -> None:
    assert query_digests(KEY, "ł") == []
    stored = " ".join(surname_digests(KEY, ["Łódź"]))
    assert "lodz" not in stored and "Łódź" not in stored
