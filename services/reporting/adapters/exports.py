"""The statutory report as files a centre can put into its submission: CSV (semicolons,
UTF-8 with BOM, as Polish Excel opens it) and XLSX, with Polish headings."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

HEADINGS = ("Kod", "Wyszczególnienie", "Wartość")


def _title(report: dict[str, Any]) -> list[str]:
    period = report["period"]
    return [
        report["title"],
        f"Jednostka: {report['district_name']}"
        + (f" (TERC {report['district']})" if report["district"] else ""),
        f"Okres: {period['from']} – {period['to']}",
    ]


def statutory_csv(report: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in _title(report):
        writer.writerow([line])
    writer.writerow([])
    writer.writerow(HEADINGS)
    for row in report["rows"]:
        writer.writerow([row["code"], row["label"], row["value"]])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statutory_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    if sheet is None:
        raise RuntimeError("a new workbook has an active sheet")
    sheet.title = "Asystent rodziny"
    for line in _title(report):
        sheet.append([line])
    sheet["A1"].font = Font(bold=True)
    sheet.append([])
    sheet.append(list(HEADINGS))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in report["rows"]:
        sheet.append([row["code"], row["label"], row["value"]])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90
    sheet.column_dimensions["C"].width = 12
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
