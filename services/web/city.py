"""The city analyst's pages: all districts side by side with charts, and the downloads (the
statutory report as reporting renders it; the city view as CSV or XLSX made here from its JSON
with the catalogue's headings). No personal data: the reports carry none."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from openpyxl import Workbook

from services.web.charts import bar_chart
from services.web.kernel import Page, for_roles

router = APIRouter()
CityPage = for_roles("city_analyst")

CITY_COLUMNS: list[tuple[str, str, str]] = [
    ("district_name", "Dzielnica", "District"),
    ("assistants", "Asystenci", "Assistants"),
    ("active_families", "Rodziny pod opieką", "Families in care"),
    ("waiting_families", "Rodziny oczekujące", "Families waiting"),
    ("longest_wait_days", "Najdłuższe oczekiwanie (dni)", "Longest wait (days)"),
    ("families_in_monitoring", "Rodziny w monitorowaniu", "Families in monitoring"),
    ("overdue_assessments", "Oceny po terminie", "Overdue assessments"),
    ("closures_in_period", "Zakończenia w okresie", "Closures in the period"),
]


@router.get("/city")
async def city_view(page: Page = CityPage) -> Response:
    report = await page.api.get("reporting", "/reports/city")
    outcomes = await page.api.get("reporting", "/reports/outcomes")
    en = page.lang == "en"
    shown = [r for r in report["districts"] if r["assistants"] or r["active_families"]]
    caseload = bar_chart(
        [(r["district_name"], int(r["active_families"])) for r in shown],
        second=[int(r["assistants"]) * 15 for r in shown],
        second_label="capacity" if en else "miejsc",
        title="Families in care against capacity" if en else "Rodziny pod opieką wobec miejsc",
    )
    waiting = bar_chart(
        [(r["district_name"], int(r["waiting_families"])) for r in shown],
        title="Families waiting" if en else "Rodziny oczekujące na asystenta",
    )
    closures = bar_chart(
        [(str(c["label"]), int(c["families"])) for c in outcomes.get("closures_by_reason", [])],
        title="Closures by reason" if en else "Zakończenia według przyczyny",
    )
    durations = bar_chart(
        [(str(c["label"]), int(c["families"])) for c in outcomes.get("duration_of_work", [])],
        title="Duration of work" if en else "Czas trwania pracy z rodziną",
    )
    return page.render(
        "pages/city.html",
        {
            "heading": page.t("nav.city"),
            "report": report,
            "outcomes": outcomes,
            "columns": [(k, en_ if en else pl) for k, pl, en_ in CITY_COLUMNS],
            "charts": {
                "caseload": caseload,
                "waiting": waiting,
                "closures": closures,
                "durations": durations,
            },
        },
    )


def city_table(report: dict[str, Any], lang: str) -> list[list[Any]]:
    en = lang == "en"
    header = [en_ if en else pl for _, pl, en_ in CITY_COLUMNS]
    rows = [[row[key] for key, _, _ in CITY_COLUMNS] for row in report["districts"]]
    totals = report.get("totals", {})
    rows.append(["Total" if en else "Razem", *[totals.get(k, "") for k, _, _ in CITY_COLUMNS[1:]]])
    return [header, *rows]


@router.get("/city/export")
async def city_export(page: Page = CityPage, format: str = Query("csv")) -> Response:
    report = await page.api.get("reporting", "/reports/city")
    table = city_table(report, page.lang)
    name = f"widok-miasta-{report['as_of']}"
    if format == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Widok miasta"
        for row in table:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return Response(
            buffer.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerows(table)
    # A BOM so that a spreadsheet opens the Polish letters right.
    return Response(
        "\ufeff" + text.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/city/statutory")
async def statutory(
    page: Page = CityPage,
    year: int = Query(..., ge=2012, le=2100),
    half: int = Query(..., ge=1, le=2),
    format: str = Query("csv"),
) -> Response:
    kind = "xlsx" if format == "xlsx" else "csv"
    answer = await page.api.call(
        "reporting",
        "GET",
        "/reports/statutory",
        params={"year": year, "half": half, "format": kind},
    )
    return Response(
        answer.content,
        media_type=answer.headers.get("content-type", "application/octet-stream"),
        headers={
            "Content-Disposition": answer.headers.get(
                "content-disposition", f'attachment; filename="sprawozdanie-{year}-{half}.{kind}"'
            )
        },
    )
