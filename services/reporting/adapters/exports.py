"""Reports as files a centre can put into its submission: CSV (semicolons, UTF-8 with BOM, as
Polish Excel opens it) and XLSX, with headings and labels from the one catalogue
(shared.domain.labels), in Polish unless English is asked for, and dates as people write them
("1 grudnia 2026")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from shared.domain.labels import Language, format_date, label

REPORT_COLUMNS = ("code", "label", "value")
CITY_COLUMNS = (
    "district",
    "district_name",
    "assistants",
    "active_families",
    "waiting_families",
    "longest_wait_days",
    "families_in_monitoring",
    "overdue_assessments",
    "closures_in_period",
)

_TEXT = {
    "unit": ("Jednostka", "Unit"),
    "period": ("Okres", "Period"),
    "city": ("Miasto stołeczne Warszawa: dzielnice", "City of Warsaw: districts"),
    "total": ("Razem", "Total"),
    "as_of": ("Stan na", "As of"),
}


def _text(key: str, language: Language) -> str:
    pl, en = _TEXT[key]
    return pl if language == "pl" else en


def _day(value: Any, language: Language) -> str:
    """A day of a report's answer (a date or its ISO text) as people write it."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_date(value, language) if isinstance(value, date) else str(value)


def _period(report: dict[str, Any], language: Language) -> str:
    period = report["period"]
    return (
        f"{_text('period', language)}: {_day(period['from'], language)} – "
        f"{_day(period['to'], language)}"
    )


def _title(report: dict[str, Any], language: Language) -> list[str]:
    return [
        report["title"],
        f"{_text('unit', language)}: {report['district_name']}"
        + (f" (TERC {report['district']})" if report["district"] else ""),
        _period(report, language),
    ]


def _statutory_table(report: dict[str, Any], language: Language) -> list[list[Any]]:
    return [[label("report_column", c, language) for c in REPORT_COLUMNS]] + [
        [row["code"], row["label"], row["value"]] for row in report["rows"]
    ]


def _city_title(report: dict[str, Any], language: Language) -> list[str]:
    lines = [_text("city", language), _period(report, language)]
    if report.get("as_of"):
        lines.append(f"{_text('as_of', language)}: {_day(report['as_of'], language)}")
    return lines


def _city_table(report: dict[str, Any], language: Language) -> list[list[Any]]:
    table: list[list[Any]] = [[label("city_column", c, language) for c in CITY_COLUMNS]]
    table += [[row.get(c, "") for c in CITY_COLUMNS] for row in report["districts"]]
    totals = report.get("totals", {})
    table.append(["", _text("total", language), *(totals.get(c, "") for c in CITY_COLUMNS[2:])])
    return table


def _csv(title: Iterable[str], table: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in title:
        writer.writerow([line])
    writer.writerow([])
    writer.writerows(table)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(
    sheet_title: str, title: Sequence[str], table: Sequence[Sequence[Any]], widths: Sequence[int]
) -> bytes:
    book = Workbook()
    sheet = book.active
    if sheet is None:
        raise RuntimeError("a new workbook has an active sheet")
    sheet.title = sheet_title
    for line in title:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    heading, *rows = table
    sheet.append(list(heading))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column, width in zip("ABCDEFGHIJ", widths, strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def statutory_csv(report: dict[str, Any], language: Language = "pl") -> bytes:
    return _csv(_title(report, language), _statutory_table(report, language))


def statutory_xlsx(report: dict[str, Any], language: Language = "pl") -> bytes:
    sheet = "Asystent rodziny" if language == "pl" else "Family assistant"
    return _xlsx(sheet, _title(report, language), _statutory_table(report, language), (34, 90, 12))


def city_csv(report: dict[str, Any], language: Language = "pl") -> bytes:
    """The city view (every district side by side, with totals): counts only, no names."""
    return _csv(_city_title(report, language), _city_table(report, language))


def city_xlsx(report: dict[str, Any], language: Language = "pl") -> bytes:
    sheet = "Dzielnice" if language == "pl" else "Districts"
    widths = (10, 24, *([16] * (len(CITY_COLUMNS) - 2)))
    return _xlsx(sheet, _city_title(report, language), _city_table(report, language), widths)
