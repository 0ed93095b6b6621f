"""Realistic demo data: Warsaw districts, assistants, families with valid PESEL numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

OCHOTA = "1465068"
MOKOTOW = "1465058"
WOLA = "1465188"

_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)


def pesel(birth: date, serial: int, *, female: bool) -> str:
    """A PESEL with a valid date encoding and checksum (for demo and test data only)."""
    month = birth.month + {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}[birth.year // 100 * 100]
    sex_digit = (serial % 5) * 2 + (0 if female else 1)
    body = f"{birth.year % 100:02d}{month:02d}{birth.day:02d}{serial % 1000:03d}{sex_digit}"
    check = (10 - sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 10) % 10
    return body + str(check)


ASSISTANTS: list[dict[str, str]] = [
    {
        "first_name": "Agnieszka",
        "last_name": "Wiśniewska",
        "login": "agnieszka.wisniewska",
        "district": OCHOTA,
        "employment_form": "employment_contract",
    },
    {
        "first_name": "Tomasz",
        "last_name": "Zieliński",
        "login": "tomasz.zielinski",
        "district": OCHOTA,
        "employment_form": "civil_law_contract",
    },
    {
        "first_name": "Małgorzata",
        "last_name": "Lewandowska",
        "login": "malgorzata.lewandowska",
        "district": MOKOTOW,
        "employment_form": "employment_contract",
    },
    {
        "first_name": "Paweł",
        "last_name": "Kamiński",
        "login": "pawel.kaminski",
        "district": MOKOTOW,
        "employment_form": "employment_contract",
    },
    {
        "first_name": "Ewa",
        "last_name": "Dąbrowska",
        "login": "ewa.dabrowska",
        "district": WOLA,
        "employment_form": "employment_contract",
    },
]


def family(
    surname: str,
    parent: str,
    children: list[tuple[str, date, bool]],
    serial: int,
    parent_birth: date,
    parent_female: bool = True,
) -> list[dict[str, object]]:
    members: list[dict[str, object]] = [
        {
            "role": "parent",
            "first_name": parent,
            "last_name": surname,
            "pesel": pesel(parent_birth, serial, female=parent_female),
        },
    ]
    for i, (name, born, female) in enumerate(children, start=1):
        members.append(
            {
                "role": "child",
                "first_name": name,
                "last_name": surname,
                "pesel": pesel(born, serial + i, female=female),
            }
        )
    return members


REFERRALS: list[dict[str, Any]] = [
    {
        "key": "nowak",
        "district": OCHOTA,
        "source": "school",
        "sender_reference": "SP-12/2026/031",
        "reason": "Szkoła Podstawowa nr 12: powtarzające się nieobecności ucznia, "
        "niezrealizowany obowiązek szkolny.",
        "members": family(
            "Nowak",
            "Katarzyna",
            [("Kacper", date(2014, 3, 9), False), ("Zuzanna", date(2017, 11, 2), True)],
            101,
            date(1988, 6, 14),
        ),
        "decision": "granted",
    },
    {
        "key": "wojcik",
        "district": OCHOTA,
        "source": "social_worker",
        "sender_reference": "OPS-OCH/WS/2026/118",
        "reason": "Wywiad środowiskowy: trudności w prowadzeniu gospodarstwa domowego, zadłużenie.",
        "members": family(
            "Wójcik",
            "Marek",
            [("Lena", date(2019, 1, 23), True)],
            211,
            date(1985, 2, 1),
            parent_female=False,
        ),
        "decision": "granted",
    },
    {
        "key": "kowalczyk",
        "district": MOKOTOW,
        "source": "court_order",
        "sender_reference": "III Nsm 412/26",
        "reason": "Postanowienie sądu rodzinnego: zobowiązanie do współpracy z asystentem.",
        "members": family(
            "Kowalczyk",
            "Joanna",
            [
                ("Antoni", date(2016, 5, 30), False),
                ("Maja", date(2020, 8, 12), True),
                ("Jan", date(2023, 2, 3), False),
            ],
            321,
            date(1992, 9, 9),
        ),
        "decision": "granted",
    },
    {
        "key": "mazur",
        "district": MOKOTOW,
        "source": "za_zyciem",
        "sender_reference": None,
        "reason": "Kobieta w ciąży, wniosek w trybie ustawy „Za życiem”.",
        "members": [
            {
                "role": "pregnant_woman",
                "first_name": "Natalia",
                "last_name": "Mazur",
                "pesel": pesel(date(2001, 4, 17), 431, female=True),
            }
        ],
        "decision": "granted",
    },
    {
        "key": "krawczyk",
        "district": WOLA,
        "source": "family",
        "sender_reference": None,
        "reason": "Matka zgłosiła się sama: problemy wychowawcze z nastoletnim synem.",
        "members": family(
            "Krawczyk", "Beata", [("Oskar", date(2011, 12, 5), False)], 541, date(1979, 3, 28)
        ),
        "decision": "granted",
    },
    {
        "key": "sikora",
        "district": WOLA,
        "source": "social_worker",
        "sender_reference": "OPS-WOL/WS/2026/81",
        "reason": "Wywiad środowiskowy: samotna matka po utracie pracy, zaległości czynszowe.",
        "members": family(
            "Sikora",
            "Monika",
            [("Wiktoria", date(2016, 9, 14), True), ("Filip", date(2021, 4, 2), False)],
            761,
            date(1990, 1, 19),
        ),
        "decision": "granted",
    },
    {
        "key": "piotrowski",
        "district": WOLA,
        "source": "social_worker",
        "sender_reference": "OPS-WOL/WS/2026/77",
        "reason": "Wywiad środowiskowy: rodzina korzysta już z pomocy innej placówki.",
        "members": family(
            "Piotrowski",
            "Adam",
            [("Igor", date(2015, 7, 7), False)],
            651,
            date(1983, 10, 10),
            parent_female=False,
        ),
        "decision": "declined",
        "decline_reason": "Rodzina objęta wsparciem placówki wsparcia dziennego; "
        "brak przesłanek do przydziału asystenta.",
    },
]

# Which assistant (index in ASSISTANTS) takes which family, once its case is open: every demo
# district has a family in work (and Wola one more on the waiting list).
ASSIGNMENTS = {"nowak": 0, "wojcik": 0, "kowalczyk": 2, "mazur": 3, "sikora": 4}

# The demo districts: each has a head, a social worker and at least one assistant.
DEMO_DISTRICTS = (OCHOTA, MOKOTOW, WOLA)
