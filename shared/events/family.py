"""Value objects about families that several services' events carry."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.pl import pesel as stdnum_pesel

from shared.domain.validation import invalid
from shared.domain.values import CalendarDate, PersonName, ShortText
from shared.events.personal import ERASED, PERSONAL

_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURIES = (1900, 2000, 2100, 2200, 1800)


def _canonical_pesel_valid(value: str) -> bool:
    """stdnum's checks (check digit, birth date) on a PESEL already in its compact form (11
    ASCII digits, which stdnum's compact() leaves as it is), without compact()'s per-character
    cleaning: every consumer validates each family member's PESEL in every event it reads."""
    check = sum(w * int(d) for w, d in zip(_PESEL_WEIGHTS, value, strict=False))
    if value[-1] != str((10 - check) % 10):
        return False
    month = int(value[2:4])
    try:
        date(_PESEL_CENTURIES[month // 20] + int(value[0:2]), month % 20, int(value[4:6]))
    except ValueError:
        return False
    return True


def check_pesel(value: str) -> str:
    """Return the PESEL without spaces if its date and checksum are valid."""
    if len(value) == 11 and value.isascii() and value.isdigit() and _canonical_pesel_valid(value):
        return value  # what stdnum returns for it; anything else goes through stdnum
    try:
        return str(stdnum_pesel.validate(value))
    except StdnumValidationError as exc:
        raise invalid(
            "invalid_pesel",
            "nieprawidłowy numer PESEL (11 cyfr z datą urodzenia i cyfrą kontrolną)",
            f"invalid PESEL number ({exc})",
        ) from exc


Pesel = Annotated[str, AfterValidator(check_pesel), PERSONAL]


class MemberRole(StrEnum):
    PARENT = "parent"
    GUARDIAN = "guardian"
    CHILD = "child"
    PREGNANT_WOMAN = "pregnant_woman"
    OTHER = "other"


class FamilyMember(BaseModel):
    """A parent, guardian or child. Identified by PESEL where known; a member without PESEL
    (a foreigner, a newborn) by name, date of birth and an identity document's number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: MemberRole
    first_name: PersonName
    last_name: PersonName
    pesel: Pesel | None = None
    # Personal: with the PESEL it identifies a child; erased with the rest (it reads as null).
    birth_date: Annotated[CalendarDate, PERSONAL] | None = None
    document_number: Annotated[ShortText, Field(min_length=3, max_length=40), PERSONAL] | None = (
        None
    )
    # Contact details where the referral gave them (later field: older events read as null).
    address: Annotated[ShortText, PERSONAL] | None = None
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{6,20}$"), PERSONAL] | None = None

    @model_validator(mode="before")
    @classmethod
    def _birth_date_from_pesel(cls, data: Any) -> Any:
        # The PESEL encodes the date of birth; take it from there when it was not given.
        if isinstance(data, dict) and data.get("pesel") and not data.get("birth_date"):
            try:
                return {**data, "birth_date": stdnum_pesel.get_birth_date(data["pesel"])}
            except (StdnumValidationError, ValueError, TypeError):
                return data  # the field validator reports the bad PESEL
        return data

    @model_validator(mode="after")
    def _identifiable(self) -> FamilyMember:
        if self.first_name == ERASED:
            return self  # erased on purpose: no longer identifiable
        if self.pesel is None and (self.birth_date is None or self.document_number is None):
            raise invalid(
                "member_not_identifiable",
                "osoba bez numeru PESEL musi mieć datę urodzenia i numer dokumentu tożsamości",
                "a person without a PESEL needs a date of birth and an identity document number",
            )
        return self

    @property
    def is_child(self) -> bool:
        return self.role is MemberRole.CHILD


class ReferralSource(StrEnum):
    """How a family came to the centre (art. 11 of the Act; KRO art. 109; "Za życiem")."""

    SOCIAL_WORKER = "social_worker"
    SCHOOL = "school"
    INSTITUTION = "institution"
    COURT_ORDER = "court_order"
    FAMILY = "family"
    ZA_ZYCIEM = "za_zyciem"
    MINOR_PARENT = "minor_parent"

    @property
    def needs_interview(self) -> bool:
        """A school's or another institution's notification leads a social worker to
        interview the family (wywiad środowiskowy) before the head decides."""
        return self in (ReferralSource.SCHOOL, ReferralSource.INSTITUTION)

    @property
    def is_obligatory(self) -> bool:
        """A court order and a minor parent leaving a facility are granted by law."""
        return self in (ReferralSource.COURT_ORDER, ReferralSource.MINOR_PARENT)


def family_card(members: tuple[FamilyMember, ...]) -> dict[str, Any]:
    """What lists show of a family: its surname(s), who to ask for, how to reach them."""
    adults = [m for m in members if not m.is_child] or list(members)
    surnames = list(dict.fromkeys(m.last_name for m in adults))
    first = adults[0]
    erased = first.first_name == ERASED
    return {
        "family_name": ERASED if erased else " / ".join(surnames),
        "display_name": ERASED if erased else f"{first.first_name} {first.last_name}",
        "address": next((m.address for m in adults if m.address), None),
        "phone": next((m.phone for m in adults if m.phone), None),
    }
