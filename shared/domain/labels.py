"""The one catalogue of what codes read as, in Polish and English, and the formatting of dates
and times for people.

Answers of the APIs keep codes (`awaiting_decision`, `budget`, `employment_contract`) and UTC
ISO times; what a person reads (the web app's pages, the exports) takes its words from here:
`label("visit_topic", "budget")` is "budżet domowy", or "household budget" in English. A code
the catalogue does not know reads as itself, so a new code shows up rather than breaking a
page; a unit test checks that every code of the events' enumerations has both labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Literal

from shared.domain.clock import WARSAW

Language = Literal["pl", "en"]

_DOCUMENT_KINDS: Mapping[str, tuple[str, str]] = {
    "decision": ("decyzja kierownika", "the head's decision"),
    "assignment_letter": ("pismo o wyznaczeniu asystenta", "letter assigning an assistant"),
    "consent_form": ("zgoda rodziny na współpracę", "the family's consent form"),
    "work_plan": ("plan pracy z rodziną", "work plan"),
    "visit_diary": ("dziennik wizyt", "visit diary"),
    "assessment": ("okresowa ocena sytuacji rodziny", "periodic assessment"),
    "court_opinion": ("opinia dla sądu", "opinion for the court"),
    "closure_note": ("notatka o zakończeniu pracy", "closure note"),
    "case_file": ("akta sprawy do kontroli", "case file for an inspection"),
}

# Where the three catalogues of the past (the web app's, the documents', this one) worded a
# code differently, the wording kept is the one a centre's staff writes in its own papers.
# What a person did, as the audit trail records it (the services' policy actions).
_AUDIT_ACTIONS: Mapping[str, tuple[str, str]] = {
    "assessments.overdue": ("lista zaległych ocen", "overdue assessments listed"),
    "assistant.change": ("zmiana danych asystenta", "assistant changed"),
    "assistant.email": ("zmiana adresu e-mail asystenta", "assistant's e-mail changed"),
    "assistant.list": ("lista asystentów", "assistants listed"),
    "assistant.login": ("zmiana loginu asystenta", "assistant's login changed"),
    "assistant.me": ("odczyt własnych danych asystenta", "own assistant record read"),
    "assistant.read": ("odczyt danych asystenta", "assistant read"),
    "assistant.register": ("rejestracja asystenta", "assistant registered"),
    "audit.read": ("odczyt rejestru dostępu", "audit trail read"),
    "capacity.read": ("odczyt wolnych miejsc", "free places read"),
    "case.assess": ("ocena sytuacji rodziny", "family's situation assessed"),
    "case.assign": ("przydział asystenta", "assistant assigned"),
    "case.close": ("zakończenie pracy z rodziną", "case closed"),
    "case.consent": ("zgoda rodziny", "family's consent recorded"),
    "case.court_opinion": ("opinia dla sądu", "court opinion submitted"),
    "case.court_request": ("wezwanie sądu o opinię", "court's request recorded"),
    "case.document": ("wydanie dokumentu ze sprawy", "document of the case issued"),
    "case.list": ("lista spraw", "cases listed"),
    "case.plan": ("zmiana planu pracy", "work plan revised"),
    "case.read": ("odczyt akt sprawy", "case file read"),
    "case.reopen": ("wznowienie sprawy", "case reopened"),
    "case.transfer": ("przekazanie sprawy", "case transferred"),
    "case.transfer_decision": ("decyzja o przejęciu sprawy", "transfer decided"),
    "case.visit": ("wizyta u rodziny", "visit logged"),
    "court_opinions.list": ("lista opinii dla sądu", "court opinions listed"),
    "dead_letters.drop": ("usunięcie martwej wiadomości", "dead letter dropped"),
    "dead_letters.list": ("lista martwych wiadomości", "dead letters listed"),
    "dead_letters.replay": ("ponowienie martwej wiadomości", "dead letter replayed"),
    "device_records.decide": ("rozstrzygnięcie zapisu z urządzenia", "device record decided"),
    "device_records.list": ("lista zapisów do wyjaśnienia", "records to clarify listed"),
    "device_records.send": ("zapisy z urządzenia", "device records sent"),
    "events.feed": ("odczyt strumienia zdarzeń", "event feed read"),
    "family.erase": ("usunięcie danych rodziny", "family's data erased"),
    "institution.change": ("zmiana danych instytucji", "institution changed"),
    "institution.read": ("odczyt danych instytucji", "institution read"),
    "institution.register": ("rejestracja instytucji", "institution registered"),
    "institution.search": ("wyszukiwanie instytucji", "institutions searched"),
    "notification.court": ("zawiadomienie sądu", "court's notification"),
    "notification.read": ("odczyt stanu zawiadomienia", "notification's status read"),
    "notification.school": ("zawiadomienie szkoły", "school's notification"),
    "referral.create": ("przyjęcie zgłoszenia", "referral recorded"),
    "referral.decide": ("decyzja kierownika", "head's decision"),
    "referral.document": ("wydanie dokumentu ze zgłoszenia", "document of the referral issued"),
    "referral.interview": ("wywiad środowiskowy", "family interview recorded"),
    "referral.list": ("lista zgłoszeń", "referrals listed"),
    "referral.read": ("odczyt zgłoszenia", "referral read"),
    "reports.caseload": ("raport obciążenia", "caseload report"),
    "reports.city": ("widok miasta", "city view"),
    "reports.operational": ("raport bieżący", "operational report"),
    "reports.outcomes": ("raport efektów", "outcomes report"),
    "reports.statutory": ("sprawozdanie", "statutory report"),
    "retention.read": ("odczyt terminów przechowywania", "retention read"),
    "tasks.own": ("lista zadań", "task list read"),
    "waiting_list.read": ("lista oczekujących", "waiting list read"),
}


LABELS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "role": {
        "social_worker": ("pracownik socjalny", "social worker"),
        "assistant": ("asystent rodziny", "family assistant"),
        "head": ("kierownik ośrodka", "head of the centre"),
        "city_analyst": ("analityk miasta", "city analyst"),
        "school": ("szkoła", "school"),
        "court": ("sąd", "court"),
        "admin": ("administrator", "administrator"),
        "service": ("system", "system"),
    },
    "case_status": {
        "waiting": ("oczekuje na asystenta", "waiting for an assistant"),
        "active": ("w pracy z asystentem", "working with an assistant"),
        "monitoring": ("monitorowanie po zakończeniu pracy", "monitoring after closure"),
        "closed": ("zakończona", "closed"),
        "transfer_pending": (
            "przekazana do innego ośrodka, czeka na przyjęcie",
            "transferred, awaiting acceptance",
        ),
    },
    "referral_status": {
        "awaiting_interview": ("czeka na wywiad środowiskowy", "awaiting the family interview"),
        "awaiting_decision": ("czeka na decyzję kierownika", "awaiting the head's decision"),
        "granted": ("przyznano asystenta", "assistant granted"),
        "declined": ("odmowa", "declined"),
        "linked": ("dołączone do sprawy rodziny", "linked to the family's case"),
    },
    "referral_source": {
        "social_worker": ("wniosek pracownika socjalnego", "social worker's request"),
        "school": ("zawiadomienie szkoły", "school's notification"),
        "institution": ("zawiadomienie instytucji", "institution's notification"),
        "court_order": ("postanowienie sądu", "court order"),
        "family": ("wniosek rodziny", "the family's own request"),
        "za_zyciem": ("ustawa „Za życiem”", "the “Za życiem” Act"),
        "minor_parent": ("małoletni rodzic opuszczający placówkę", "minor parent leaving care"),
    },
    "member_role": {
        "parent": ("rodzic", "parent"),
        "guardian": ("opiekun prawny", "legal guardian"),
        "child": ("dziecko", "child"),
        "pregnant_woman": ("kobieta w ciąży", "pregnant woman"),
        "other": ("inna osoba", "other person"),
    },
    "visit_topic": {
        "budget": ("budżet domowy", "household budget"),
        "household": ("prowadzenie domu", "running the household"),
        "parenting": ("wychowanie dzieci", "parenting"),
        "health_hygiene": ("zdrowie i higiena", "health and hygiene"),
        "school": ("szkoła i nauka dzieci", "school and learning"),
        "job_search": ("poszukiwanie pracy", "job search"),
        "official_matters": ("sprawy urzędowe", "official matters"),
        "leisure": ("czas wolny", "leisure"),
    },
    "visit_place": {
        "home": ("dom rodziny", "the family's home"),
        "centre": ("ośrodek", "the centre"),
        "school": ("szkoła", "school"),
        "other": ("inne miejsce", "elsewhere"),
    },
    "hold_reason": {
        "before_case_opened": (
            "data sprzed założenia sprawy",
            "dated before the case was opened",
        ),
        "case_closed": ("sprawa zakończona w międzyczasie", "case closed meanwhile"),
        "case_transferred": (
            "sprawa przekazana do innego ośrodka w międzyczasie",
            "case transferred to another centre meanwhile",
        ),
        "not_assigned": (
            "asystent nie prowadzi już tej rodziny",
            "the assistant no longer works with the family",
        ),
        "dated_in_future": (
            "data z przyszłości (zegar urządzenia?)",
            "dated in the future (device clock?)",
        ),
    },
    "device_record_kind": {
        "visit": ("wizyta", "visit"),
        "plan_note": ("notatka do planu", "note to the plan"),
        "consent": ("zgoda podpisana na papierze", "consent signed on paper"),
    },
    # The operator's dead letters: which service, and what became of a replay.
    "service": {
        "referrals": ("zgłoszenia", "referrals"),
        "casework": ("praca z rodzinami", "casework"),
        "directory": ("rejestr asystentów i instytucji", "directory"),
        "reporting": ("raporty", "reporting"),
    },
    "replay_outcome": {
        "applied": ("przetworzona", "applied"),
        "failed": ("ponownie nieudana", "failed again"),
        "no answer": ("brak odpowiedzi", "no answer"),
    },
    "held_status": {
        "held": ("czeka na decyzję", "awaiting a decision"),
        "applied": ("dołączono do sprawy", "applied to a case"),
        "discarded": ("odrzucono", "discarded"),
    },
    "closure_reason": {
        "goals_achieved": ("osiągnięcie celów", "goals achieved"),
        "no_cooperation_or_no_effects": (
            "zaprzestanie współpracy lub brak efektów",
            "no cooperation or no effects",
        ),
        "change_of_method": ("zmiana metody pracy", "change of the method of work"),
        "moved_away": ("zmiana miejsca zamieszkania", "the family moved away"),
        "child_placed_in_foster_care": (
            "umieszczenie dziecka w pieczy zastępczej",
            "child placed in foster care",
        ),
        "other": ("inny powód", "other reason"),
    },
    "employment_form": {
        "employment_contract": ("umowa o pracę", "employment contract"),
        "civil_law_contract": ("umowa cywilnoprawna", "civil-law contract"),
    },
    "working_time": {
        "full_time": ("pełny etat", "full time"),
        "part_time": ("niepełny etat", "part time"),
    },
    "working_time_system": {
        "basic": ("podstawowy", "basic"),
        "equivalent": ("równoważny", "equivalent"),
        "task_based": ("zadaniowy", "task-based"),
    },
    "deactivation_reason": {
        "contract_ended": ("koniec umowy", "contract ended"),
        "resigned": ("rezygnacja", "resigned"),
        "dismissed": ("zwolnienie", "dismissed"),
        "long_term_leave": ("długotrwała nieobecność", "long-term leave"),
        "other": ("inny powód", "other reason"),
    },
    "institution_category": {
        "family_counselling": ("poradnia rodzinna", "family counselling"),
        "specialist_counselling": ("poradnictwo specjalistyczne", "specialist counselling"),
        "diagnostic_centre": ("poradnia psychologiczno-pedagogiczna", "diagnostic centre"),
        "day_support_centre": ("placówka wsparcia dziennego", "day support centre"),
        "crisis_intervention": ("interwencja kryzysowa", "crisis intervention"),
        "school": ("szkoła", "school"),
        "family_court": ("sąd rodzinny", "family court"),
        "health_care": ("ochrona zdrowia", "health care"),
        "police": ("policja", "police"),
        "ngo": ("organizacja pozarządowa", "NGO"),
    },
    "work_duration": {
        "up_to_3_months": ("do 3 miesięcy", "up to 3 months"),
        "3_to_12_months": ("od 3 do 12 miesięcy", "3 to 12 months"),
        "1_to_2_years": ("od roku do 2 lat", "1 to 2 years"),
        "over_2_years": ("powyżej 2 lat", "over 2 years"),
    },
    "case_flag": {
        "assessment_overdue": ("zaległa ocena sytuacji", "assessment overdue"),
        "court_opinion_due": ("opinia dla sądu do złożenia", "court opinion due"),
        "court_opinion_overdue": ("opinia dla sądu po terminie", "court opinion overdue"),
        "not_seen_for_7_days": ("bez wizyty od tygodnia", "not seen for a week"),
    },
    # Headings of the statutory report's table in the exports.
    "report_column": {
        "code": ("Kod", "Code"),
        "label": ("Wyszczególnienie", "Item"),
        "value": ("Wartość", "Value"),
    },
    # Headings of the city view (its columns), for the web app's table and the exports.
    "city_column": {
        "district": ("TERC", "TERC code"),
        "district_name": ("Dzielnica", "District"),
        "assistants": ("Asystenci", "Assistants"),
        "active_families": ("Rodziny objęte wsparciem", "Families supported"),
        "waiting_families": ("Rodziny oczekujące", "Families waiting"),
        "longest_wait_days": ("Najdłuższe oczekiwanie (dni)", "Longest wait (days)"),
        "families_in_monitoring": ("Rodziny w monitorowaniu", "Families in monitoring"),
        "overdue_assessments": ("Zaległe oceny", "Overdue assessments"),
        "closures_in_period": ("Zakończenia w okresie", "Closures in the period"),
    },
    # What a school or a court reports, and what became of what they sent.
    "school_problem": {
        "school_duty_absence": ("niespełnianie obowiązku szkolnego", "school duty not met"),
        "neglect_suspected": ("podejrzenie zaniedbania", "suspected neglect"),
        "behaviour": ("trudności wychowawcze", "behaviour"),
        "other": ("inny problem", "other"),
    },
    "court_kind": {
        "obligation_to_cooperate": (
            "zobowiązanie do współpracy z asystentem",
            "order to cooperate with an assistant",
        ),
        "opinion_request": ("wezwanie o opinię asystenta", "request for the assistant's opinion"),
    },
    "sent_status": {
        "awaiting_interview": ("przyjęte, w toku (wywiad środowiskowy)", "received, being handled"),
        "awaiting_decision": (
            "przyjęte, czeka na decyzję kierownika",
            "received, awaiting decision",
        ),
        "granted": ("przyznano rodzinie asystenta", "an assistant was granted"),
        "declined": ("ośrodek odmówił przydziału asystenta", "declined"),
        "linked": ("dołączone do sprawy prowadzonej już przez ośrodek", "joined to an open case"),
        "forwarded_to_case": ("przekazane asystentowi rodziny", "passed to the family's assistant"),
        "opinion_issued": ("opinia wydana", "opinion issued"),
    },
    # The head's choice on a referral (the form's options).
    "decision": {
        "granted": ("przyznać asystenta", "grant an assistant"),
        "declined": ("odmówić", "decline"),
    },
    # The documents a centre files (services/documents), as named in lists and the audit trail.
    "document_kind": _DOCUMENT_KINDS,
    # Reporting's reminders (GET /tasks): what is due.
    "task_kind": {
        "assessment": ("okresowa ocena sytuacji rodziny", "periodic assessment"),
        "court_opinion": ("opinia dla sądu", "opinion for the court"),
        "not_seen": ("rodzina bez wizyty od co najmniej 7 dni", "family not seen for 7 days"),
        "consent": (
            "brak zgody rodziny na współpracę (14 dni od przydziału)",
            "no consent 14 days after the assignment",
        ),
        "referral_decision": (
            "zgłoszenie czeka na decyzję ponad 7 dni",
            "referral waiting for a decision over 7 days",
        ),
        "waiting_for_assistant": ("rodzina czeka na asystenta", "family waiting for an assistant"),
    },
    # What an audit record says was done, where it is more than the policy's action code.
    "audit_action": {
        **_AUDIT_ACTIONS,
        **{
            f"document.{kind}": (f"wydano dokument: {pl}", f"document issued: {en}")
            for kind, (pl, en) in _DOCUMENT_KINDS.items()
        },
    },
}


def label(kind: str, code: str, language: Language = "pl") -> str:
    """What `code` of `kind` reads as; the code itself if the catalogue does not know it."""
    found = LABELS.get(kind, {}).get(code)
    if found is None:
        return code
    return found[0] if language == "pl" else found[1]


def labels(kind: str, language: Language = "pl") -> dict[str, str]:
    """Every code of `kind` with its label, in the catalogue's order (for a form's choices)."""
    return {code: label(kind, code, language) for code in LABELS.get(kind, {})}


MONTHS_GENITIVE = (
    "stycznia",
    "lutego",
    "marca",
    "kwietnia",
    "maja",
    "czerwca",
    "lipca",
    "sierpnia",
    "września",
    "października",
    "listopada",
    "grudnia",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(value: date | datetime, language: Language = "pl") -> str:
    """ "1 grudnia 2026" (or "1 December 2026"); a datetime is first taken to Warsaw's day."""
    if isinstance(value, datetime):
        value = local_time(value).date()
    months = MONTHS_GENITIVE if language == "pl" else MONTHS_EN
    return f"{value.day} {months[value.month - 1]} {value.year}"


def local_time(value: datetime) -> datetime:
    """A moment (UTC in every answer) on Warsaw's clock; a naive datetime is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WARSAW)


def format_datetime(value: datetime, language: Language = "pl") -> str:
    """ "1 grudnia 2026, 14:05" in Warsaw's time (CET/CEST as the day has it)."""
    local = local_time(value)
    return f"{format_date(local.date(), language)}, {local:%H:%M}"
