"""The one catalogue of labels: every code users can meet has a Polish and an English label;
dates read as Poles write them and times on Warsaw's clock; the exports take their headings
from it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from enum import StrEnum

import pytest
from openpyxl import load_workbook

from services.referrals.domain.referral import ReferralStatus
from services.reporting.adapters.exports import city_csv, city_xlsx, statutory_csv
from shared.domain.labels import LABELS, format_date, format_datetime, label, labels
from shared.events import ClosureReason, MemberRole, ReferralSource, VisitPlace, VisitTopic
from shared.events.casework import CaseStatus, DeviceRecordKind, HoldReason
from shared.events.directory import (
    DeactivationReason,
    EmploymentForm,
    InstitutionCategory,
    WorkingTime,
    WorkingTimeSystem,
)

CATALOGUED: dict[str, type[StrEnum]] = {
    "case_status": CaseStatus,
    "referral_status": ReferralStatus,
    "referral_source": ReferralSource,
    "member_role": MemberRole,
    "visit_topic": VisitTopic,
    "visit_place": VisitPlace,
    "closure_reason": ClosureReason,
    "employment_form": EmploymentForm,
    "working_time": WorkingTime,
    "working_time_system": WorkingTimeSystem,
    "deactivation_reason": DeactivationReason,
    "institution_category": InstitutionCategory,
    "hold_reason": HoldReason,
    "device_record_kind": DeviceRecordKind,
}


@pytest.mark.parametrize("kind", sorted(CATALOGUED))
def test_every_code_has_a_polish_and_an_english_label(kind: str) -> None:
    codes = {member.value for member in CATALOGUED[kind]}
    assert set(LABELS[kind]) == codes
    for code in codes:
        polish, english = LABELS[kind][code]
        assert polish.strip() and english.strip()


def test_a_label_in_each_language_and_an_unknown_code_as_itself() -> None:
    assert label("referral_status", "awaiting_decision") == "czeka na decyzję kierownika"
    assert label("visit_topic", "budget", "en") == "household budget"
    assert label("employment_form", "employment_contract") == "umowa o pracę"
    assert label("visit_topic", "new_topic") == "new_topic"
    assert next(iter(labels("case_status", "en"))) == "waiting"


def test_dates_and_times_as_people_read_them() -> None:
    assert format_date(date(2026, 12, 1)) == "1 grudnia 2026"
    assert format_date(date(2026, 5, 3), "en") == "3 May 2026"
    # 23:30 UTC on 31 December is already New Year's Day in Warsaw (CET, UTC+1).
    assert format_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 stycznia 2027"
    assert format_datetime(datetime(2026, 12, 1, 13, 5, tzinfo=UTC)) == "1 grudnia 2026, 14:05"
    # Summer time: UTC+2.
    assert format_datetime(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == "1 lipca 2026, 15:05"


CITY = {
    "period": {"from": date(2026, 1, 1), "to": date(2026, 6, 30)},
    "as_of": date(2026, 7, 1),
    "districts": [
        {
            "district": "1465068",
            "district_name": "Ochota",
            "assistants": 2,
            "active_families": 20,
            "waiting_families": 3,
            "longest_wait_days": 12,
            "families_in_monitoring": 1,
            "overdue_assessments": 0,
            "closures_in_period": 4,
        }
    ],
    "totals": {
        "assistants": 2,
        "active_families": 20,
        "waiting_families": 3,
        "longest_wait_days": 12,
        "families_in_monitoring": 1,
        "overdue_assessments": 0,
        "closures_in_period": 4,
    },
}


def test_the_city_view_exports_with_polish_headings_and_totals() -> None:
    rows = list(csv.reader(io.StringIO(city_csv(CITY).decode("utf-8-sig")), delimiter=";"))
    assert ["Okres: 1 stycznia 2026 – 30 czerwca 2026"] in rows
    heading = rows.index([label("city_column", c) for c in LABELS["city_column"]])
    assert rows[heading][1:3] == ["Dzielnica", "Asystenci"]
    assert rows[heading + 1][:4] == ["1465068", "Ochota", "2", "20"]
    assert rows[-1][:4] == ["", "Razem", "2", "20"]
    sheet = load_workbook(io.BytesIO(city_xlsx(CITY, "en"))).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[4][:3] == ["TERC code", "District", "Assistants"]
    assert values[-1][:3] == [None, "Total", 2]


def test_the_statutory_export_has_its_headings_in_english_when_asked() -> None:
    report = {
        "title": "Report",
        "district": "1465068",
        "district_name": "Ochota",
        "period": {"from": "2026-01-01", "to": "2026-06-30"},
        "rows": [{"code": "families", "label": "Families", "value": 4}],
    }
    text = statutory_csv(report, "en").decode("utf-8-sig")
    assert "Code;Item;Value" in text
    assert "Period: 1 January 2026 – 30 June 2026" in text


# The kinds of code the web app's pages and the documents name (by the short names some of
# their templates use), each read from this one catalogue.
USED_KINDS = {
    "case_status",
    "referral_status",
    "source",
    "referral_source",
    "member_role",
    "topic",
    "visit_topic",
    "place",
    "visit_place",
    "closure_reason",
    "employment_form",
    "working_time",
    "institution_category",
    "school_problem",
    "court_kind",
    "sent_status",
    "decision",
    "role",
    "document_kind",
    "task_kind",
    "audit_action",
}


def test_every_code_label_of_the_web_app_and_the_documents_comes_from_the_one_catalogue() -> None:
    from services.documents import DocumentKind
    from services.documents.texts import KIND_ALIASES as DOCUMENT_ALIASES
    from services.documents.texts import Language as DocumentLanguage
    from services.documents.texts import catalogue as document_texts
    from services.reporting.application.tasks import Kind as TaskKind
    from services.web import catalogue as web
    from shared.web.auth import Role

    assert web.KIND_ALIASES == DOCUMENT_ALIASES
    for kind in USED_KINDS:
        shared_kind = web.KIND_ALIASES.get(kind, kind)
        codes = LABELS[shared_kind]
        assert codes, kind
        for code, (polish, english) in codes.items():
            assert polish.strip() and english.strip() and polish != code, (kind, code)
            # The web app, the documents and the exports say the same, in both languages.
            assert web.label(kind, code) == polish == label(shared_kind, code)
            assert web.label(kind, code, "en") == english == label(shared_kind, code, "en")
            assert document_texts(DocumentLanguage.PL).label(kind, code) == polish
            assert document_texts(DocumentLanguage.EN).label(kind, code) == english
        assert web.choices(kind) == list(labels(shared_kind).items())
    assert set(LABELS["role"]) == {role.value for role in Role}
    assert set(LABELS["document_kind"]) == {kind.value for kind in DocumentKind}
    assert set(LABELS["task_kind"]) == {kind.value for kind in TaskKind}
    assert label("audit_action", "document.work_plan") == "wydano dokument: plan pracy z rodziną"
    assert label("audit_action", "case.read") == "odczyt akt sprawy"
    assert label("audit_action", "no.such_action") == "no.such_action"  # unknown: the code


def test_the_web_app_and_the_documents_hold_no_code_labels_of_their_own() -> None:
    from services.documents import texts
    from services.web import catalogue

    assert not hasattr(texts, "_LABELS")
    assert all(
        catalogue.LABELS[kind] == LABELS[catalogue.KIND_ALIASES.get(kind, kind)]
        for kind in catalogue.LABELS
    )


def test_every_action_the_services_audit_reads_in_polish_and_english() -> None:
    """The audit trail (the administrator's /admin/audit) names what was done: every action of
    every service's policy, and of the kernel's routes, has a label in both languages."""
    from services.casework.access import POLICY as casework
    from services.directory.access import POLICY as directory
    from services.referrals.access import POLICY as referrals
    from services.reporting.access import POLICY as reporting
    from shared.domain.labels import LABELS
    from shared.web.dead_letters_api import POLICY as dead_letters

    actions = LABELS["audit_action"]
    for policy in (casework, directory, referrals, reporting, dead_letters):
        for action in policy.table:
            assert action in actions, action
            polish, english = actions[action]
            assert polish and english and polish != action
