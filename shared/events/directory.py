"""Events of the directory service: assistants and institutions."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shared.domain.districts import DistrictCode
from shared.domain.identifiers import Regon
from shared.domain.validation import invalid
from shared.domain.values import Reason, ShortText
from shared.events.base import DomainEvent

# --- Assistants -------------------------------------------------------------------------------


class EmploymentForm(StrEnum):
    EMPLOYMENT_CONTRACT = "employment_contract"  # umowa o pracę
    CIVIL_LAW_CONTRACT = "civil_law_contract"  # umowa cywilnoprawna


class WorkingTime(StrEnum):
    """Wymiar czasu pracy: a full or a part-time post."""

    FULL_TIME = "full_time"  # pełny etat
    PART_TIME = "part_time"  # część etatu


class WorkingTimeSystem(StrEnum):
    """System czasu pracy of the Labour Code; only an employment contract has one."""

    BASIC = "basic"  # podstawowy (art. 129 KP)
    EQUIVALENT = "equivalent"  # równoważny (art. 135 KP)
    TASK_BASED = "task_based"  # zadaniowy (art. 140 KP), usual for assistants


class DeactivationReason(StrEnum):
    """Why an assistant stopped working with families."""

    CONTRACT_ENDED = "contract_ended"  # umowa wygasła
    RESIGNED = "resigned"  # rozwiązanie umowy przez asystenta
    DISMISSED = "dismissed"  # rozwiązanie umowy przez pracodawcę
    LONG_TERM_LEAVE = "long_term_leave"  # długotrwała nieobecność
    OTHER = "other"


HoursPerWeek = Annotated[int, Field(ge=1, le=40, description="godzin tygodniowo")]
StaffName = Annotated[ShortText, Field(max_length=100)]
"""An assistant's first or last name: staff, not a family's personal data (kept in clear)."""

_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


def check_login(value: str) -> str:
    """A login at the city's identity provider (a username such as `anna.nowak`, or the
    provider's subject): 2-64 characters, letters a-z, digits and `. _ @ -`, starting with a
    letter or digit. Compared without regard to case (providers lower-case usernames)."""
    value = value.strip().lower()
    if not _LOGIN.match(value):
        raise invalid(
            "invalid_login",
            "login ma 2-64 znaki: litery a-z (bez polskich znaków), cyfry oraz . _ @ -, "
            "zaczyna się literą lub cyfrą",
            "a login has 2-64 characters: letters a-z, digits and . _ @ -, starting with a "
            "letter or a digit",
        )
    return value


Login = Annotated[str, Field(max_length=64), AfterValidator(check_login)]
"""How an assistant signs in: their login at the identity provider, linked to their record."""


# Deliberately simple (no dependency on email-validator): one @, a dotted domain of letters,
# digits and hyphens, no spaces. It catches typing errors, not undeliverable addresses.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def check_email(value: str) -> str:
    """An e-mail address; the domain is lower-cased."""
    value = value.strip()
    local, _, domain = value.rpartition("@")
    if (
        len(value) > 254
        or len(local) > 64
        or not _EMAIL.match(value)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
    ):
        raise invalid("invalid_email", "nieprawidłowy adres e-mail", "invalid e-mail address")
    return f"{local}@{domain.lower()}"


Email = Annotated[str, Field(max_length=254), AfterValidator(check_email)]
"""An e-mail address, syntax checked (an institution's contact, an assistant's digest)."""


class AssistantRegistered(DomainEvent):
    """The fields after `works_since` came later: they have defaults, so events stored before
    them still read (as 'not recorded'), and no upcaster is needed."""

    first_name: StaffName
    last_name: StaffName
    district: DistrictCode
    employment_form: EmploymentForm
    works_since: date
    working_time: WorkingTime | None = None
    hours_per_week: HoursPerWeek | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None
    # Added with sign-in by login: an assistant registered before has none (None).
    login: Login | None = None
    # Added with the daily digest: where it goes; an assistant registered before has none.
    email: Email | None = None


class AssistantLoginChanged(DomainEvent):
    """The login the assistant signs in with, from now on (None: no longer linked)."""

    login: Login | None = None


class AssistantEmailChanged(DomainEvent):
    """The address the assistant's daily digest goes to, from now on (None: none any more).
    Staff's work address, not a family's personal data (kept in clear)."""

    email: Email | None = None


class AssistantEmploymentChanged(DomainEvent):
    """The assistant's terms of employment from `effective_from` on, in full."""

    employment_form: EmploymentForm
    working_time: WorkingTime | None = None
    hours_per_week: HoursPerWeek | None = None
    working_time_system: WorkingTimeSystem | None = None
    works_until: date | None = None
    effective_from: date


class AssistantDeactivated(DomainEvent):
    """The assistant stopped working (the actual last day, not a planned end)."""

    ended_on: date
    reason: DeactivationReason


class AssistantReactivated(DomainEvent):
    """The assistant works again, e.g. back from a long leave or on a new contract."""

    resumed_on: date
    works_until: date | None = None


# --- Institutions -----------------------------------------------------------------------------


class InstitutionCategory(StrEnum):
    """The institutions an assistant works with: the five kinds of the assistant's list of
    local services (placówki poradnictwa rodzinnego, specjalistycznego, diagnostyczne, wsparcia
    dziennego, interwencji kryzysowej) and the other bodies in a family's life."""

    FAMILY_COUNSELLING = "family_counselling"
    SPECIALIST_COUNSELLING = "specialist_counselling"
    DIAGNOSTIC_CENTRE = "diagnostic_centre"
    DAY_SUPPORT_CENTRE = "day_support_centre"
    CRISIS_INTERVENTION = "crisis_intervention"
    SCHOOL = "school"
    FAMILY_COURT = "family_court"
    HEALTH_CARE = "health_care"
    POLICE = "police"
    NGO = "ngo"

    @property
    def label_pl(self) -> str:
        return _CATEGORY_LABELS_PL[self]


_CATEGORY_LABELS_PL = {
    InstitutionCategory.FAMILY_COUNSELLING: "poradnictwo rodzinne",
    InstitutionCategory.SPECIALIST_COUNSELLING: "poradnictwo specjalistyczne",
    InstitutionCategory.DIAGNOSTIC_CENTRE: "placówka diagnostyczna",
    InstitutionCategory.DAY_SUPPORT_CENTRE: "placówka wsparcia dziennego",
    InstitutionCategory.CRISIS_INTERVENTION: "interwencja kryzysowa",
    InstitutionCategory.SCHOOL: "szkoła",
    InstitutionCategory.FAMILY_COURT: "sąd rodzinny",
    InstitutionCategory.HEALTH_CARE: "ochrona zdrowia",
    InstitutionCategory.POLICE: "policja",
    InstitutionCategory.NGO: "organizacja pozarządowa",
}


_POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")


def check_postal_code(value: str) -> str:
    """A Polish postal code: NN-NNN."""
    value = value.strip()
    if not _POSTAL_CODE.match(value):
        raise invalid(
            "invalid_postal_code",
            "kod pocztowy ma postać NN-NNN, np. 02-353",
            "a postal code reads NN-NNN, e.g. 02-353",
        )
    return value


_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-]+$")


def check_phone(value: str) -> str:
    """A telephone number as people write it: a Polish 9-digit number (optionally +48), an
    international one (+ and 8-15 digits), or a short helpline number (3-6 digits, e.g.
    116 111). Spaces, hyphens and parentheses are kept as written."""
    value = " ".join(value.split())
    if not _PHONE_CHARS.match(value):
        raise invalid(
            "invalid_phone",
            "numer telefonu może zawierać tylko cyfry, spacje, -, ( ) i + na początku",
            "a phone number has only digits, spaces, -, ( ) and a leading +",
        )
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        ok = (digits.startswith("48") and len(digits) == 11) or (
            not digits.startswith("48") and 8 <= len(digits) <= 15
        )
    else:
        ok = len(digits) == 9 or 3 <= len(digits) <= 6
    if not ok:
        raise invalid(
            "invalid_phone",
            "numer telefonu ma 9 cyfr (lub +48 i 9 cyfr, lub krótki numer 3-6 cyfr)",
            "a phone number has 9 digits (or +48 and 9 digits, or 3-6 for a short number)",
        )
    return value


PostalCode = Annotated[str, AfterValidator(check_postal_code)]
Phone = Annotated[str, Field(max_length=40), AfterValidator(check_phone)]
Competence = Annotated[ShortText, Field(max_length=200)]
OpeningHours = Annotated[ShortText, Field(max_length=500)] | Literal[""]
ClosureReason = Annotated[Reason, Field(max_length=500)] | Literal[""]


class PostalAddress(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    street: Annotated[ShortText, Field(max_length=200)] = Field(description="ulica i numer")
    postal_code: PostalCode = Field(description="NN-NNN")
    city: Annotated[ShortText, Field(max_length=100)] = "Warszawa"


class InstitutionDetails(BaseModel):
    """What the directory says about an institution (all of it public: these are public bodies
    and organisations, never people)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ShortText
    category: InstitutionCategory
    regon: Regon = Field(description="9 lub 14 cyfr")
    address: PostalAddress
    district: DistrictCode = Field(description="kod TERC dzielnicy siedziby")
    also_serves: tuple[DistrictCode, ...] = Field(
        (), max_length=30, description="inne dzielnice lub gminy, które instytucja obsługuje"
    )
    phone: Phone | None = None
    email: Email | None = None
    opening_hours: OpeningHours = Field("", description="np. pon.-pt. 8:00-16:00")
    competence: tuple[Competence, ...] = Field(
        (), max_length=30, description="w czym instytucja jest właściwa (zakres kompetencji)"
    )

    @field_validator("also_serves")
    @classmethod
    def _other_districts_once(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        # The seat district, or one named twice, adds nothing: drop it.
        seat = info.data.get("district")
        return tuple(dict.fromkeys(d for d in value if d != seat))

    @field_validator("competence")
    @classmethod
    def _competence_once(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.strip() for c in value if c.strip()))

    @property
    def districts(self) -> tuple[str, ...]:
        """The seat district first, then every other one served."""
        return (self.district, *self.also_serves)


class InstitutionRegistered(DomainEvent):
    details: InstitutionDetails


class InstitutionUpdated(DomainEvent):
    """The institution's details as they are now, in full."""

    details: InstitutionDetails


class InstitutionClosed(DomainEvent):
    closed_on: date
    reason: ClosureReason = ""
