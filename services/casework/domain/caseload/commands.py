"""What can be asked of an assistant's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class OpenCaseload:
    assistant_id: UUID
    district: str
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class TakeCase:
    assistant_id: UUID
    case_id: UUID
    case_district: str


@dataclass(frozen=True, kw_only=True)
class ReleaseCase:
    assistant_id: UUID
    case_id: UUID


@dataclass(frozen=True, kw_only=True)
class SuspendCaseload:
    assistant_id: UUID
    since: date


@dataclass(frozen=True, kw_only=True)
class ResumeCaseload:
    assistant_id: UUID
    since: date
