"""Folding text for search: what a user types without Polish letters or capitals finds what the
directory spells with them ("lodz" finds "Łódź", "poradnia" finds "PORADNIA").

A search matches word beginnings: every word of the query must begin some word of the
document, so "rodzin" finds "rodzinne" and "Rodzina", and "lodz" finds "Łódź" but not
"młodzież".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Letters that Unicode does not decompose into a base letter and a mark, so NFKD keeps them.
_UNDECOMPOSABLE = str.maketrans(
    {"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss"}
)
_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower-case `text`, drop diacritics (ł too) and collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.translate(_UNDECOMPOSABLE).split())


def words(text: str) -> list[str]:
    """The folded words of `text`; punctuation separates words ("Praga-Południe" is two)."""
    return _NOT_WORD.sub(" ", fold(text)).split()


def search_document(parts: Iterable[str]) -> str:
    """What is stored to be searched: the folded words of `parts`, each preceded by a space,
    so that `LIKE '% word%'` finds a word beginning (the same on PostgreSQL and SQLite,
    whatever their collations)."""
    return "".join(" " + word for part in parts for word in words(part))


def query_terms(query: str, *, limit: int = 10) -> list[str]:
    """The distinct folded words of a query (at most `limit`); each must begin a word of a
    match."""
    return list(dict.fromkeys(words(query)))[:limit]
