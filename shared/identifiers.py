"""Keyed digests of personal identifiers, for lookups that must not store the identifier."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from pydantic import AfterValidator
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.pl import regon as stdnum_regon

from shared.validation import invalid


def pesel_digest(key: bytes, pesel: str) -> str:
    """HMAC-SHA256 of a PESEL under the deployment's data key: equal PESELs match, and the
    index reveals nothing without the key."""
    return hmac.new(key, f"pesel:{pesel}".encode(), hashlib.sha256).hexdigest()


def check_regon(value: str) -> str:
    """The REGON without separators if its length (9 or 14 digits) and checksums are valid."""
    try:
        return str(stdnum_regon.validate(value))
    except StdnumValidationError as exc:
        raise invalid(
            "invalid_regon",
            "nieprawidłowy numer REGON (9 lub 14 cyfr z cyframi kontrolnymi)",
            f"invalid REGON number ({exc})",
        ) from exc


Regon = Annotated[str, AfterValidator(check_regon)]
