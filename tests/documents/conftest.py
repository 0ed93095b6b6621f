"""Reading generated documents back: the text of a PDF (pypdf) and a picture of its first page
(poppler's pdftoppm) kept in `.asysta/artefacts/documents/` for a person to look at."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from tests.documents import scenario

ARTEFACTS = Path(__file__).resolve().parents[2] / ".asysta" / "artefacts" / "documents"
ISSUED_ON = date(2026, 12, 1)
ISSUED_BY = "Anna Nowak"


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as a reader of the file gets it."""
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def pdf_text(pdf: bytes) -> str:
    # Extraction may break a line anywhere a cell wraps: compare on single spaces.
    return " ".join(" ".join(pdf_pages(pdf)).split())


def first_page_png(pdf: bytes, name: str) -> Path:
    """Keep the PDF and render its first page to PNG next to it; the path of the PNG."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTEFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (Debian's poppler-utils) is needed: .ci/run installs it"
    target = ARTEFACTS / name
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "90",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(target),
        ],
        check=True,
        timeout=60,
    )
    return target.with_suffix(".png")


@pytest.fixture
def source() -> dict[str, Any]:
    return {"case": scenario.case(), "referral": scenario.referral(), "people": scenario.PEOPLE}
