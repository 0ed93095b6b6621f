"""Keyed digests of personal identifiers, for lookups that must not store the identifier."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from pydantic import AfterValidator
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.pl import regon as stdnum_regon

from shared.validation import invalid


def pesel_digest(key: bytes, pesel: str) -> str:
    """HMAC-SHA256 of a PESEL under the deployment's data key: equal PESELs match, and the
    index reveals nothing without the key."""
    return hmac.new(key, f"pesel:{pesel}".encode(), hashlib.sha256).hexdigest()


def check_regon(value: str) -> str:
    """Return the REGON as digits only if it has 9 or 14 digits and valid check digits
    (a 14-digit REGON of a local unit also carries its parent's 9-digit REGON)."""
    try:
        return str(stdnum_regon.validate(value))
    except InvalidLength as exc:
        raise invalid(
            "invalid_regon", "numer REGON ma 9 lub 14 cyfr", "a REGON has 9 or 14 digits"
        ) from exc
    except InvalidFormat as exc:
        raise invalid(
            "invalid_regon", "numer REGON składa się z samych cyfr", "a REGON has digits only"
        ) from exc
    except InvalidChecksum as exc:
        raise invalid(
            "invalid_regon",
            "nieprawidłowa cyfra kontrolna numeru REGON",
            "the REGON's check digit is wrong",
        ) from exc
    except StdnumValidationError as exc:
        raise invalid("invalid_regon", "nieprawidłowy numer REGON", "invalid REGON") from exc


Regon = Annotated[str, AfterValidator(check_regon)]
