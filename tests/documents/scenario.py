"""A scripted case, as the services answer it in JSON: the Żółkiewski family referred by a
school, interviewed, granted, assigned, consenting, two plan versions, a season of visits, an
assessment, a court opinion and the closure. Shaped exactly as `GET /referrals/{id}` and
`GET /cases/{id}` return it (a test checks it against the services' response models)."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

REFERRAL_ID = "5b7c1e0a-3f2d-4c1b-9a8e-1d2c3b4a5f60"
CASE_ID = "3f2a9c1b-7d6e-4a5b-8c9d-0e1f2a3b4c5d"
FAMILY_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
ASSISTANT_ID = "c0ffee00-1234-4abc-9def-0123456789ab"
PREVIOUS_ASSISTANT_ID = "deadbeef-4321-4cba-8fed-ba9876543210"
REQUEST_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
DISTRICT = "1465068"  # Ochota

HEAD = "head:anna.nowak"
SOCIAL_WORKER = "social_worker:jan.kos"
ASSISTANT = f"assistant:{ASSISTANT_ID}"

PEOPLE = {
    HEAD: "Anna Nowak",
    SOCIAL_WORKER: "Jan Kos",
    ASSISTANT: "Ewa Kaczmarczyk",
    ASSISTANT_ID: "Ewa Kaczmarczyk",
    PREVIOUS_ASSISTANT_ID: "Zbigniew Ćwik",
}

MEMBERS = [
    {
        "role": "parent",
        "first_name": "Łucja",
        "last_name": "Żółkiewska",
        "pesel": "89040412361",
        "birth_date": "1989-04-04",
        "document_number": None,
    },
    {
        "role": "child",
        "first_name": "Jaś",
        "last_name": "Żółkiewski",
        "pesel": "15260123514",
        "birth_date": "2015-06-01",
        "document_number": None,
    },
    {
        "role": "child",
        "first_name": "Zuzanna",
        "last_name": "Żółkiewska",
        "pesel": "18222345627",
        "birth_date": "2018-02-23",
        "document_number": None,
    },
]

REASON = (
    "Szkoła zgłosiła częste nieobecności Jasia; matka samotnie wychowuje dwoje dzieci, "
    "ma zaległości w opłatach za mieszkanie i prosi o pomoc w uporządkowaniu spraw."
)
JUSTIFICATION = (
    "Wywiad środowiskowy potwierdził trudności opiekuńczo-wychowawcze; rodzina wyraża gotowość "
    "współpracy, a wsparcie asystenta daje szansę na poprawę sytuacji dzieci."
)
ASSESSMENT = (
    "Rodzina robi postępy: Jaś chodzi do szkoły regularnie (frekwencja 96%), matka spłaciła "
    "połowę zaległości czynszowych i prowadzi zeszyt wydatków. Należy utrwalić te zmiany; "
    "zażółć gęślą jaźń — wszystkie znaki się zgadzają."
)
OPINION = (
    "Matka współpracuje z asystentem rodziny od marca 2026 r., uczestniczy w spotkaniach, "
    "dba o zdrowie i naukę dzieci. Nie stwierdzono zaniedbań; warunki mieszkaniowe uległy "
    "poprawie. Asystent nie widzi przesłanek do ograniczenia władzy rodzicielskiej."
)
CLOSURE = "Cele planu pracy osiągnięte; rodzina funkcjonuje samodzielnie. Źródło dochodu: praca."


def _at(day: str, hour: int = 9) -> str:
    return f"{day}T{hour - 1:02d}:15:00Z"  # recorded in the morning, Warsaw time


def referral(*, status: str = "granted") -> dict[str, Any]:
    decided = status in ("granted", "declined")
    return {
        "referral_id": REFERRAL_ID,
        "family_id": FAMILY_ID,
        "district": DISTRICT,
        "source": "school",
        "sender_reference": "SP-12/2026/044",
        "referred_on": "2026-03-02",
        "reason": REASON,
        "members": copy.deepcopy(MEMBERS),
        "status": status,
        "obligatory": False,
        "interview": {
            "conducted_on": "2026-03-09",
            "social_worker": "Jan Kos",
            "summary": "Rodzina w trudnej sytuacji materialnej.",
            "recorded_by": SOCIAL_WORKER,
        },
        "decision": {
            "decided_on": "2026-03-16",
            "decided_by": HEAD,
            "reason": JUSTIFICATION if status == "granted" else "Rodzina nie wymaga wsparcia.",
        }
        if decided
        else None,
        "linked_to_referral_id": None,
        "linked_to_case_id": None,
        "linked_referrals": [],
        "version": 4,
    }


VISIT_DAYS = [date(2026, 3, 25) + timedelta(days=14 * i) for i in range(14)]
TOPICS = [
    ["budget", "official_matters"],
    ["school", "parenting"],
    ["household", "health_hygiene"],
    ["job_search"],
]
NOTES = [
    "Ułożyliśmy z mamą budżet na kwiecień; złożono wniosek o dodatek mieszkaniowy.",
    "Rozmowa z wychowawczynią Jasia o frekwencji; Zuzia zapisana do świetlicy.",
    "Porządki w mieszkaniu, wizyta u pediatry umówiona na piątek.",
    "Przegląd ofert pracy, mama wysłała dwa CV (sklep, żłobek).",
]


def _visit(i: int, day: date) -> dict[str, Any]:
    return {
        "visit_id": f"00000000-0000-4000-8000-{i:012d}",
        "assistant_id": ASSISTANT_ID,
        "visited_on": day.isoformat(),
        "duration_minutes": 90 if i % 2 == 0 else 60,
        "place": "home" if i % 3 else "centre",
        "present": ["Łucja Żółkiewska", "Jaś Żółkiewski"] if i % 2 == 0 else ["Łucja Żółkiewska"],
        "topics": TOPICS[i % 4],
        "note": NOTES[i % 4],
        "recorded_by": ASSISTANT,
        "recorded_at": _at(day.isoformat(), 17),
    }


def case() -> dict[str, Any]:
    plan_v1: dict[str, Any] = {
        "plan_version": 1,
        "actions": [
            {
                "description": "Regularne chodzenie Jasia do szkoły; kontakt z wychowawczynią.",
                "deadline": "2026-06-26",
                "expected_effect": "Frekwencja Jasia powyżej 90%.",
            },
            {
                "description": "Plan spłaty zaległości czynszowych z administracją.",
                "deadline": "2026-05-29",
                "expected_effect": "Podpisane porozumienie ratalne.",
            },
        ],
        "agreed_with_social_worker": "Jan Kos",
        "updated_on": "2026-04-06",
        "foster_care_coordinator": None,
        "foster_care_plan_reference": None,
        "recorded_by": ASSISTANT,
        "recorded_at": _at("2026-04-06", 14),
    }
    plan_v2 = {
        **plan_v1,
        "plan_version": 2,
        "updated_on": "2026-07-01",
        "actions": [
            *plan_v1["actions"],
            {
                "description": "Poszukiwanie pracy: doradca zawodowy w urzędzie pracy, "
                "kurs obsługi kasy fiskalnej, przygotowanie CV i listu motywacyjnego.",
                "deadline": "2026-10-30",
                "expected_effect": "Zatrudnienie matki co najmniej na pół etatu; "
                "stały dochód rodziny pozwalający na bieżące opłaty.",
            },
            {
                "description": "Zajęcia świetlicowe i wyrównawcze dla Zuzanny.",
                "deadline": "2026-09-30",
                "expected_effect": "Zuzanna gotowa do szkoły; lepsze oceny z czytania.",
            },
        ],
        "recorded_at": _at("2026-07-01", 15),
    }
    visits = [_visit(i, day) for i, day in enumerate(VISIT_DAYS)]
    return {
        "case_id": CASE_ID,
        "family_name": "Żółkiewska",
        "display_name": "Łucja Żółkiewska",
        "referral_id": REFERRAL_ID,
        "family_id": FAMILY_ID,
        "district": DISTRICT,
        "districts": [DISTRICT],
        "source": "school",
        "obligatory": False,
        "status": "monitoring",
        "opened_on": "2026-03-16",
        "assistant_id": ASSISTANT_ID,
        "consent_on": "2026-03-23",
        "work_started_on": "2026-03-23",
        "next_assessment_due": "2027-03-14",
        "assessment_overdue": False,
        "closed_on": "2026-11-20",
        "closure_reason": "goals_achieved",
        "monitoring_until": "2027-05-20",
        "members": copy.deepcopy(MEMBERS),
        "assignments": [
            {
                "family_id": FAMILY_ID,
                "assistant_id": PREVIOUS_ASSISTANT_ID,
                "previous_assistant_id": None,
                "assigned_on": "2026-03-17",
                "recorded_by": HEAD,
                "recorded_at": _at("2026-03-17", 11),
            },
            {
                "family_id": FAMILY_ID,
                "assistant_id": ASSISTANT_ID,
                "previous_assistant_id": PREVIOUS_ASSISTANT_ID,
                "assigned_on": "2026-03-18",
                "recorded_by": HEAD,
                "recorded_at": _at("2026-03-18", 10),
            },
        ],
        "consent": {
            "given_on": "2026-03-23",
            "signed_by": ["Łucja Żółkiewska"],
            "recorded_by": ASSISTANT,
            "recorded_at": _at("2026-03-23", 13),
        },
        "visits": visits,
        "plan": plan_v2,
        "plan_history": [plan_v1, plan_v2],
        # Notes to the plan (from the field-work page); the documents print the plan's versions.
        "plan_notes": [],
        "assessments": [
            {
                "assessed_on": "2026-09-14",
                "summary": ASSESSMENT,
                "submitted_to_head_on": "2026-09-15",
                "next_assessment_due": "2027-03-14",
                "recorded_by": ASSISTANT,
                "recorded_at": _at("2026-09-15", 12),
            }
        ],
        "court_opinions": [
            {
                "request_id": REQUEST_ID,
                "court_name": "Sąd Rejonowy dla Warszawy-Śródmieścia, III Wydział Rodzinny "
                "i Nieletnich",
                "case_signature": "III Nsm 512/26",
                "requested_on": "2026-10-01",
                "deadline": "2026-10-30",
                "recorded_by": "service:referrals",
                "recorded_at": _at("2026-10-01", 10),
                "submitted_on": "2026-10-27",
                "opinion": OPINION,
                "overdue": False,
            }
        ],
        "closures": [
            {
                "event": "CaseClosed",
                "reason": "goals_achieved",
                "closed_on": "2026-11-20",
                "note": CLOSURE,
                "children_placed_in_foster_care": 0,
                "monitoring_until": "2027-05-20",
                "recorded_by": HEAD,
                "recorded_at": _at("2026-11-20", 15),
            }
        ],
        "transfers": [],
        "further_referrals": [],
        "version": 26,
    }


def erased(data: dict[str, Any]) -> dict[str, Any]:
    """The same JSON after the family's key was destroyed: personal fields read `[usunięto]`
    (null where a field may be empty), dates and counts stay."""
    mark = "[usunięto]"
    out = copy.deepcopy(data)
    for member in out.get("members", []):
        member.update(first_name=mark, last_name=mark, pesel=None, document_number=None)
    if "reason" in out and isinstance(out["reason"], str):
        out["reason"] = mark
    for visit in out.get("visits", []):
        visit["note"] = mark
        visit["present"] = [mark for _ in visit["present"]]
    if out.get("consent"):
        out["consent"]["signed_by"] = [mark]
    for plan in out.get("plan_history", []):
        for action in plan["actions"]:
            action.update(description=mark, expected_effect=mark)
    for assessment in out.get("assessments", []):
        assessment["summary"] = mark
    for opinion in out.get("court_opinions", []):
        if opinion.get("opinion"):
            opinion["opinion"] = mark
    for closure in out.get("closures", []):
        if "note" in closure:
            closure["note"] = mark
    if out.get("plan_history"):
        out["plan"] = out["plan_history"][-1]
    return out
