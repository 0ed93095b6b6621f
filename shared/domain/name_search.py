"""Searching families by surname without storing the surname in clear.

Names in read models are encrypted with each family's key, so a database query cannot compare
them. What is stored beside them is a keyed digest (HMAC-SHA256 under the deployment's lookup
key, like the PESEL digest) of every *prefix* of at least `MIN_PREFIX` letters of each folded
surname: "Łódź" is stored as the digests of "lod" and "lodz", so "lodz", "Lodz" and "łód"
find it, and a query shorter than `MIN_PREFIX` letters is refused (it would match too much and
its digest would single out very few letters). The choice: prefix digests rather than whole
words only, because staff type the beginning of a name; the cost is a few digests per
surname (at most `MAX_PREFIX - MIN_PREFIX + 1`) and that families sharing a prefix share its
digest, which without the key tells nothing about the letters.

The folding is the directory's (lower case, no diacritics, "ł" -> "l"), so a search typed
without Polish letters finds a name spelled with them.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from shared.domain.validation import invalid

MIN_PREFIX = 2
MAX_PREFIX = 40

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
    """The folded words of `text`; a hyphen separates words ("Nowak-Kowalska" is two)."""
    return _NOT_WORD.sub(" ", fold(text)).split()


def name_digest(key: bytes, folded: str) -> str:
    """Keyed digest of one folded name prefix (32 hex characters are plenty for a lookup)."""
    return hmac.new(key, f"surname:{folded}".encode(), hashlib.sha256).hexdigest()[:32]


def surname_digests(key: bytes, surnames: Iterable[str]) -> list[str]:
    """The digests stored for a family: every prefix of every word of every surname."""
    found: set[str] = set()
    for surname in surnames:
        for word in words(surname):
            for end in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1):
                found.add(name_digest(key, word[:end]))
    return sorted(found)


def query_digests(key: bytes, query: str) -> list[str]:
    """The digests a family must all carry to match `query` (each word a surname's prefix);
    empty if the query has no word of `MIN_PREFIX` letters."""
    terms = [w[:MAX_PREFIX] for w in dict.fromkeys(words(query)) if len(w) >= MIN_PREFIX]
    return [name_digest(key, term) for term in terms[:5]]


def _searchable(value: str) -> str:
    if not query_digests(b"-", value):
        raise invalid(
            "surname_too_short",
            f"wpisz co najmniej {MIN_PREFIX} litery nazwiska",
            f"type at least {MIN_PREFIX} letters of the surname",
        )
    return value


SurnameQuery = Annotated[str, StringConstraints(max_length=100), AfterValidator(_searchable)]
"""A surname (or its beginning) to search for: at least one word of MIN_PREFIX letters."""
