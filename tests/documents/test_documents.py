"""Each document of a scripted case, generated as PDF, read back with pypdf: the names, dates
and figures it must hold, in correct Polish; its first page kept as a PNG artefact."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont

from services.documents import (
    CentreSettings,
    DocumentKind,
    DocumentUnavailable,
    Selection,
    assistant_names,
    build_document,
    file_name,
    render_html,
    render_pdf,
)
from services.documents.compose import compose
from services.documents.pdf import font_paths
from services.documents.texts import catalogue
from tests.documents import scenario
from tests.documents.conftest import (
    ISSUED_BY,
    ISSUED_ON,
    first_page_png,
    pdf_pages,
    pdf_text,
)

CENTRE = CentreSettings()
FRAME = [
    "Ośrodek Pomocy Społecznej Dzielnicy Ochota m.st. Warszawy",
    "ul. Grójecka 17a",
    "Warszawa, 1 grudnia 2026",
    "Wystawił(a): Anna Nowak",
    "Data wydania: 1 grudnia 2026",
    "Sprawa nr AR/2026/3F2A9C1B",
]
FAMILY = ["Łucja Żółkiewska", "Jaś Żółkiewski", "Zuzanna Żółkiewska", "89040412361"]

EXPECTED: dict[DocumentKind, list[str]] = {
    DocumentKind.DECISION: [
        "Decyzja o przydzieleniu asystenta rodziny",
        "zawiadomienie szkoły",
        "SP-12/2026/044",
        "Data zgłoszenia 2 marca 2026",
        "przeprowadzony 9 marca 2026 przez: Jan Kos",
        "Data decyzji 16 marca 2026",
        "Decyzję podjął(a) Anna Nowak",
        "trudności opiekuńczo-wychowawcze",
        "Szkoła zgłosiła częste nieobecności Jasia",
        "podpis kierownika ośrodka",
    ],
    DocumentKind.ASSIGNMENT_LETTER: [
        "Pismo o wyznaczeniu asystenta rodziny",
        "Adresat Łucja Żółkiewska",
        "od dnia 18 marca 2026 asystentem rodziny",
        "jest Ewa Kaczmarczyk",
        "zastępuje dotychczasowego asystenta: Zbigniew Ćwik",
        "po wyrażeniu przez rodzinę pisemnej zgody",
    ],
    DocumentKind.CONSENT_FORM: [
        "Zgoda rodziny na współpracę z asystentem rodziny",
        "wyznaczonym przez Ośrodek Pomocy Społecznej Dzielnicy Ochota",
        "Zgoda została odnotowana 23 marca 2026; podpisali: Łucja Żółkiewska",
        "podpis: Łucja Żółkiewska",
        "miejscowość i data",
    ],
    DocumentKind.WORK_PLAN: [
        "Plan pracy z rodziną — wersja 2",
        "Data wersji planu 1 lipca 2026",
        "Uzgodniono z pracownikiem socjalnym Jan Kos",
        "Regularne chodzenie Jasia do szkoły",
        "29 maja 2026",
        "30 października 2026",
        "Zatrudnienie matki co najmniej na pół etatu",
        "Zuzanna gotowa do szkoły",
        "podpis: Łucja Żółkiewska",
        "podpis: Ewa Kaczmarczyk",
    ],
    DocumentKind.VISIT_DIARY: [
        "Dziennik wizyt",
        "Okres: od 16 marca 2026 do 20 listopada 2026",
        "Liczba wizyt: 14; łączny czas: 17 godz. 30 min",
        "25 marca 2026",
        "9 września 2026",
        "budżet domowy",
        "Ułożyliśmy z mamą budżet na kwiecień",
        "dom rodziny",
    ],
    DocumentKind.ASSESSMENT: [
        "Okresowa ocena sytuacji rodziny",
        "Data oceny 14 września 2026",
        "Przekazano kierownikowi 15 września 2026",
        "Termin następnej oceny 14 marca 2027",
        "Wizyty od poprzedniej oceny 13",
        "frekwencja 96%",
        "zażółć gęślą jaźń",
    ],
    DocumentKind.COURT_OPINION: [
        "Opinia o rodzinie dla sądu",
        "Sąd Rejonowy dla Warszawy-Śródmieścia",
        "Sygnatura akt III Nsm 512/26",
        "Data wpływu prośby 1 października 2026",
        "Termin złożenia opinii 30 października 2026",
        "Data złożenia opinii 27 października 2026",
        "Nie stwierdzono zaniedbań",
    ],
    DocumentKind.CLOSURE_NOTE: [
        "Notatka o zakończeniu pracy z rodziną",
        "Data zakończenia pracy 20 listopada 2026",
        "Powód zakończenia osiągnięcie celów",
        f"{(date(2026, 11, 20) - date(2026, 3, 23)).days} dni (od 23 marca 2026)",
        "Liczba wizyt 14",
        "Monitorowanie do 20 maja 2027",
        "Źródło dochodu: praca",
    ],
}


def render(kind: DocumentKind | str, data: dict[str, Any], **kwargs: Any) -> bytes:
    return render_pdf(kind, data, issued_by=ISSUED_BY, issued_on=ISSUED_ON, **kwargs)


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_document_holds_its_names_dates_and_figures(
    kind: DocumentKind, source: dict[str, Any]
) -> None:
    pdf = render(kind, source)
    text = pdf_text(pdf)
    for expected in [*FRAME, *EXPECTED[kind]]:
        assert expected in text, f"{kind}: {expected!r} missing"
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"Strona {number} z {len(pages)}" in page
    if kind is not DocumentKind.ASSIGNMENT_LETTER:  # a letter to the adults, named above
        assert all(name in text for name in FAMILY)
    png = first_page_png(pdf, str(kind))
    assert png.stat().st_size > 10_000  # a page with text, not an empty raster


def test_the_case_file_holds_every_document_in_order_with_contents_and_history(
    source: dict[str, Any],
) -> None:
    pdf = render(DocumentKind.CASE_FILE, source)
    pages = pdf_pages(pdf)
    flat = [" ".join(p.split()) for p in pages]
    assert "Akta sprawy rodziny" in flat[0] and "Spis treści" in flat[0]
    # Every entry of the table of contents names the page where that part begins.
    entries = re.findall(r"^(.+?) (\d+)$", pages[0].split("Spis treści", 1)[1], re.MULTILINE)
    titles = [title for title, _ in entries]
    assert titles == [
        "Decyzja o przydzieleniu asystenta rodziny",
        "Pismo o wyznaczeniu asystenta rodziny (17 marca 2026)",
        "Pismo o wyznaczeniu asystenta rodziny (18 marca 2026)",
        "Zgoda rodziny na współpracę z asystentem rodziny",
        "Plan pracy z rodziną — wersja 1 (6 kwietnia 2026)",
        "Plan pracy z rodziną — wersja 2 (1 lipca 2026)",
        "Dziennik wizyt",
        "Okresowa ocena sytuacji rodziny (14 września 2026)",
        "Opinia o rodzinie dla sądu (III Nsm 512/26)",
        "Notatka o zakończeniu pracy z rodziną (20 listopada 2026)",
        "Historia sprawy: kto, co i kiedy",
    ]
    numbers = [int(n) for _, n in entries]
    assert numbers == sorted(numbers) and numbers[0] == 2
    for title, number in entries:
        assert title in flat[int(number) - 1], f"{title} is not on page {number}"
    history = " ".join(flat[numbers[-1] - 1 :])
    for line in (
        "2 marca 2026 — Zgłoszenie rodziny (zawiadomienie szkoły)",
        "16 marca 2026 Anna Nowak Decyzja: przydzielono asystenta",
        "18 marca 2026, 10:15 Anna Nowak Wyznaczenie asystenta: Ewa Kaczmarczyk",
        "23 marca 2026, 13:15 Ewa Kaczmarczyk Odnotowanie zgody rodziny",
        "1 lipca 2026, 16:15 Ewa Kaczmarczyk Plan pracy, wersja 2",
        "20 listopada 2026, 15:15 Anna Nowak Zakończenie pracy: osiągnięcie celów",
    ):
        assert line in history, line
    assert history.count("Wizyta (") == len(scenario.VISIT_DAYS)
    for number, page in enumerate(pages, start=1):
        assert f"Strona {number} z {len(pages)}" in page
    first_page_png(pdf, "case_file")


def test_every_polish_letter_survives_the_round_trip(source: dict[str, Any]) -> None:
    source["case"]["visits"][-1]["note"] = "Hasło na kartce: ZAŻÓŁĆ GĘŚLĄ JAŹŃ."
    text = pdf_text(render(DocumentKind.CASE_FILE, source))
    for letter in "ąęłżśćńóźĄĘŁŻŚĆŃÓŹ":
        assert letter in text, letter
    assert "zażółć gęślą jaźń" in text and "ZAŻÓŁĆ GĘŚLĄ JAŹŃ" in text


def test_the_font_shipped_has_every_character_the_documents_print(
    source: dict[str, Any],
) -> None:
    for path in font_paths():
        assert path.is_file() and "services/documents/assets/fonts" in path.as_posix()
        cmap = TTFont(path).getBestCmap()
        for kind in DocumentKind:
            composed = compose(build_document(kind, source), catalogue(), CENTRE)
            printed = repr(composed.blocks) + "Strona 1 z 2 · Wystawił(a) „”"
            missing = {ch for ch in printed if ord(ch) > 32 and ord(ch) not in cmap}
            assert not missing, f"{path.name} lacks {missing} for {kind}"
    assert (font_paths()[0].parent / "LICENSE").is_file()


def test_a_declined_referral_prints_the_refusal_and_its_justification() -> None:
    data = {"referral": scenario.referral(status="declined"), "people": scenario.PEOPLE}
    pdf = render(DocumentKind.DECISION, data)
    text = pdf_text(pdf)
    assert "Decyzja o odmowie przydzielenia asystenta rodziny" in text
    assert "odmawia przydzielenia rodzinie asystenta" in text
    assert "Uzasadnienie Rodzina nie wymaga wsparcia." in text
    assert "Sprawa nr ZG/2026/5B7C1E0A" in text  # no case: the referral's number
    first_page_png(pdf, "decision_declined")


def test_a_plan_version_and_a_period_of_visits_can_be_chosen(source: dict[str, Any]) -> None:
    plan = pdf_text(render(DocumentKind.WORK_PLAN, source, selection=Selection(plan_version=1)))
    assert "Plan pracy z rodziną — wersja 1" in plan
    assert "Data wersji planu 6 kwietnia 2026" in plan
    assert "Zuzanna gotowa" not in plan

    period = Selection(period_start=date(2026, 4, 1), period_end=date(2026, 5, 31))
    diary = pdf_text(render(DocumentKind.VISIT_DIARY, source, selection=period))
    assert "Okres: od 1 kwietnia 2026 do 31 maja 2026" in diary
    assert "Liczba wizyt: 4; łączny czas: 5 godz. 0 min" in diary
    assert "25 marca 2026" not in diary and "3 czerwca 2026" not in diary

    missing = Selection(plan_version=7)
    with pytest.raises(DocumentUnavailable) as refused:
        render(DocumentKind.WORK_PLAN, source, selection=missing)
    assert refused.value.detail("pl") == "nie ma wersji 7 planu pracy"


def test_a_case_without_the_part_asked_for_is_refused_as_not_found(
    source: dict[str, Any],
) -> None:
    fresh = {
        **source["case"],
        "plan": None,
        "plan_history": [],
        "assessments": [],
        "court_opinions": [],
        "closures": [],
    }
    for kind in (
        DocumentKind.WORK_PLAN,
        DocumentKind.ASSESSMENT,
        DocumentKind.COURT_OPINION,
        DocumentKind.CLOSURE_NOTE,
    ):
        with pytest.raises(DocumentUnavailable) as refused:
            render(kind, {"case": fresh})
        assert refused.value.kind.value == "not_found"
        assert refused.value.title("pl") == "Nie można wystawić dokumentu"
    # The case file still prints what there is.
    assert "Dziennik wizyt" in pdf_text(render(DocumentKind.CASE_FILE, {"case": fresh}))


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_an_erased_family_prints_usunieto_and_keeps_dates_and_counts(
    kind: DocumentKind, source: dict[str, Any]
) -> None:
    data = {
        "case": scenario.erased(source["case"]),
        "referral": scenario.erased(source["referral"]),
        "people": scenario.PEOPLE,
    }
    pdf = render(kind, data)
    text = pdf_text(pdf)
    assert "[usunięto]" in text
    for personal in ("Żółkiewsk", "Łucja", "89040412361", "Ułożyliśmy", "frekwencja 96%"):
        assert personal not in text, f"{kind}: {personal}"
    assert "Sprawa nr AR/2026/3F2A9C1B" in text
    if kind is DocumentKind.VISIT_DIARY:
        assert "Liczba wizyt: 14; łączny czas: 17 godz. 30 min" in text
    if kind is DocumentKind.CASE_FILE:
        first_page_png(pdf, "case_file_erased")


def test_the_centre_comes_from_settings_with_its_own_logo(
    source: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    logo = tmp_path / "herb.png"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(logo)
    monkeypatch.setenv("ASYSTA_CENTRE_NAME", "Miejski Ośrodek Pomocy Społecznej w Ostródzie")
    monkeypatch.setenv("ASYSTA_CENTRE_ADDRESS", "ul. Jana III Sobieskiego 1|14-100 Ostróda")
    monkeypatch.setenv("ASYSTA_CENTRE_CITY", "Ostróda")
    monkeypatch.setenv("ASYSTA_CENTRE_PHONE", "89 646 00 00")
    monkeypatch.setenv("ASYSTA_CENTRE_LOGO", str(logo))
    centre = CentreSettings()
    text = pdf_text(render(DocumentKind.CONSENT_FORM, source, centre=centre))
    assert "Miejski Ośrodek Pomocy Społecznej w Ostródzie" in text
    assert "14-100 Ostróda" in text and "tel. 89 646 00 00" in text
    assert "Ostróda, 1 grudnia 2026" in text
    assert "wyznaczonym przez Miejski Ośrodek Pomocy Społecznej w Ostródzie" in text
    page = render_html(
        DocumentKind.CONSENT_FORM,
        source,
        centre=centre,
        issued_by=ISSUED_BY,
        issued_on=ISSUED_ON,
    )
    assert 'src="data:image/png;base64,' in page


def test_english_on_request(source: dict[str, Any]) -> None:
    text = pdf_text(render(DocumentKind.COURT_OPINION, source, language="en"))
    assert "Opinion on the family for the court" in text
    assert "Deadline 30 October 2026" in text
    assert "Page 1 of 1" in text


def test_the_same_inputs_give_the_same_file(source: dict[str, Any]) -> None:
    assert render(DocumentKind.WORK_PLAN, source) == render(DocumentKind.WORK_PLAN, source)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_printable_page_says_what_the_pdf_says(
    kind: DocumentKind, source: dict[str, Any]
) -> None:
    page = render_html(kind, source, issued_by=ISSUED_BY, issued_on=ISSUED_ON)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="pl">' in page
    assert "size: A4" in page
    assert '"Strona " counter(page) " z " counter(pages)' in page
    visible = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])
    text = " ".join(visible.split())
    for expected in EXPECTED.get(kind, []):
        assert expected in text, f"{kind}: {expected!r} missing in HTML"
    if kind is DocumentKind.CASE_FILE:
        assert page.count('class="part new-page"') == 11  # ten parts and the history
        assert 'href="#plan-2"' in page and 'id="plan-2"' in page
        assert "break-before: page" in page


def test_what_people_typed_is_escaped_in_the_page(source: dict[str, Any]) -> None:
    case = source["case"]
    case["visits"][0]["note"] = "<script>alert('x')</script> ok"
    page = render_html(
        DocumentKind.VISIT_DIARY,
        {**source, "case": case},
        issued_by='Ewa </style><script>"',
        issued_on=ISSUED_ON,
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert" in page


def test_names_of_assistants_from_the_directory_and_file_names() -> None:
    names = assistant_names(
        [{"assistant_id": scenario.ASSISTANT_ID, "first_name": "Ewa", "last_name": "Kaczmarczyk"}]
    )
    assert names == {scenario.ASSISTANT_ID: "Ewa Kaczmarczyk"}
    # Unknown people are named by their role and account, never left blank.
    letter = build_document(DocumentKind.ASSIGNMENT_LETTER, {"case": scenario.case()})
    assert letter.assistant == "asystent rodziny c0ffee00"  # type: ignore[union-attr]
    assert letter.assigned_by == "anna.nowak (kierownik ośrodka)"  # type: ignore[union-attr]
    assert (
        file_name(DocumentKind.WORK_PLAN, "AR/2026/3F2A9C1B", ISSUED_ON, "pdf")
        == "plan-pracy-AR-2026-3F2A9C1B-2026-12-01.pdf"
    )


def test_the_scripted_json_has_the_shape_the_services_answer() -> None:
    """The scenario is what `GET /cases/{id}` and `GET /referrals/{id}` return: it validates
    against their response models and has exactly their fields, so a change of those shapes
    shows here first."""
    from services.casework.api import CaseFile
    from services.referrals.api import ReferralOut

    for model, data in ((CaseFile, scenario.case()), (ReferralOut, scenario.referral())):
        assert set(data) == set(model.model_fields)
        model.model_validate(data)


def test_an_installed_package_carries_its_font_logo_and_templates() -> None:
    """A non-editable install (the Docker image) only copies files that pyproject's
    package-data names: every asset and template of the documents must match a pattern."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["*"]
    package = root / "services" / "documents"
    shipped = [p for p in package.rglob("*") if p.is_file() and p.suffix != ".py"]
    shipped = [p for p in shipped if "__pycache__" not in p.parts]
    assert {p.name for p in shipped} >= {"DejaVuSans.ttf", "LICENSE", "logo.svg", "blocks.html"}
    for path in shipped:
        assert any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns), path


def test_a_note_longer_than_a_page_continues_on_the_next(source: dict[str, Any]) -> None:
    note = ("Długa notatka o zdrowiu dzieci i źródłach dochodu. " * 80)[:3990] + " KONIEC"
    source["case"]["visits"][0]["note"] = note
    pdf = render(DocumentKind.VISIT_DIARY, source)
    text = pdf_text(pdf)
    assert text.count("Długa notatka") == note.count("Długa notatka")
    assert "KONIEC" in text and len(pdf_pages(pdf)) >= 3


def test_issuing_a_document_gives_what_a_route_answers_and_audits(
    source: dict[str, Any],
) -> None:
    from services.documents import issue_document

    issued = issue_document(
        DocumentKind.CLOSURE_NOTE, source, issued_by=ISSUED_BY, issued_on=ISSUED_ON
    )
    assert issued.media_type == "application/pdf" and issued.content.startswith(b"%PDF-")
    assert issued.file_name == "notatka-o-zakonczeniu-AR-2026-3F2A9C1B-2026-12-01.pdf"
    assert (issued.title, issued.reference) == (
        "Notatka o zakończeniu pracy z rodziną",
        "AR/2026/3F2A9C1B",
    )
    page = issue_document(
        "work_plan", source, output="html", issued_by=ISSUED_BY, issued_on=ISSUED_ON
    )
    assert page.media_type == "text/html; charset=utf-8"
    assert page.file_name.endswith(".html") and "Plan pracy z rodziną" in page.content.decode()
