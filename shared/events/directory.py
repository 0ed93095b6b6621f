"""Events of the directory service: assistants and institutions."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from shared.districts import DistrictCode
from shared.events.base import DomainEvent


class EmploymentForm(StrEnum):
    EMPLOYMENT_CONTRACT = "employment_contract"  # umowa o pracę
    CIVIL_LAW_CONTRACT = "civil_law_contract"  # umowa cywilnoprawna


class AssistantRegistered(DomainEvent):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    district: DistrictCode
    employment_form: EmploymentForm
    works_since: date
