"""The documents a centre files about a family, as PDF and as a printable HTML page.

Pure rendering: no routes, no calls to services. The web app fetches what the signed-in person
may read (`GET /referrals/{id}`, `GET /cases/{id}`, assistants' names from the directory) and
calls

    render_pdf(kind, {"case": case_json, "referral": referral_json, "people": names},
               issued_by="Anna Nowak", issued_on=today)

(or `render_html` with the same arguments). The centre heading the document is the centre of
the case's (else the referral's) district (`centres.centre_for`), unless `centre=` names one.
Access rules and the audit record of each issued document belong to the route that calls this.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from services.documents.blocks import Composed
from services.documents.build import (
    DocumentBuilder,
    DocumentUnavailable,
    Selection,
    SourceData,
    assistant_names,
)
from services.documents.centres import CentresFileError, centre_for, centres_table
from services.documents.compose import AnyDocument, compose
from services.documents.models import DocumentKind
from services.documents.pdf import Frame
from services.documents.settings import Centre, CentreSettings
from services.documents.texts import Language, catalogue

__all__ = [
    "Centre",
    "CentreSettings",
    "CentresFileError",
    "DocumentKind",
    "DocumentUnavailable",
    "IssuedDocument",
    "Selection",
    "SourceData",
    "assistant_names",
    "build_document",
    "centre_for",
    "centres_table",
    "district_of",
    "file_name",
    "issue_document",
    "render_html",
    "render_pdf",
]

Data = SourceData | Mapping[str, Any] | BaseModel


def _source(data: Data) -> SourceData:
    if isinstance(data, SourceData):
        return data
    if isinstance(data, BaseModel):
        raise TypeError("a built document is not source data")
    return SourceData(
        case=data.get("case"), referral=data.get("referral"), people=data.get("people") or {}
    )


def build_document(
    kind: DocumentKind | str,
    data: Data,
    *,
    selection: Selection | None = None,
    language: Language | str = Language.PL,
) -> AnyDocument:
    """The typed model of the document, from the services' JSON. Raises
    `DocumentUnavailable` (a not-found domain error) when the case holds nothing to show."""
    if isinstance(data, BaseModel):
        if getattr(data, "kind", None) != DocumentKind(kind):
            raise ValueError(f"the model is not a {kind} document")
        return data  # type: ignore[return-value]
    builder = DocumentBuilder(_source(data), texts=catalogue(language))
    document: AnyDocument = builder.build(kind, selection)
    return document


def district_of(data: Data) -> str | None:
    """The district whose centre issues a document of `data`: the case's, else the
    referral's (None for a document already built)."""
    if isinstance(data, BaseModel):
        return None
    source = _source(data)
    for part in (source.case, source.referral):
        if part is not None and part.get("district"):
            return str(part["district"])
    return None


def _centre(centre: Centre | CentreSettings | None, data: Data) -> Centre:
    if isinstance(centre, CentreSettings):
        return centre.centre()
    return centre or centre_for(district_of(data))


def _prepare(
    kind: DocumentKind | str,
    data: Data,
    centre: Centre | CentreSettings | None,
    issued_by: str,
    issued_on: date,
    selection: Selection | None,
    language: Language | str,
) -> tuple[Composed, Frame]:
    texts = catalogue(language)
    chosen = _centre(centre, data)
    document = build_document(kind, data, selection=selection, language=language)
    frame = Frame(centre=chosen, issued_by=issued_by, issued_on=issued_on, texts=texts)
    return compose(document, texts, chosen), frame


def render_pdf(
    kind: DocumentKind | str,
    data: Data,
    *,
    centre: Centre | CentreSettings | None = None,
    issued_by: str,
    issued_on: date,
    selection: Selection | None = None,
    language: Language | str = Language.PL,
) -> bytes:
    """The document as PDF bytes (A4, the centre's header, `Strona 1 z N`, who issued it and
    when on every page)."""
    from services.documents import pdf

    return pdf.render(*_prepare(kind, data, centre, issued_by, issued_on, selection, language))


def render_html(
    kind: DocumentKind | str,
    data: Data,
    *,
    centre: Centre | CentreSettings | None = None,
    issued_by: str,
    issued_on: date,
    selection: Selection | None = None,
    language: Language | str = Language.PL,
) -> str:
    """The same document as one self-contained printable HTML page."""
    from services.documents import html

    return html.render(*_prepare(kind, data, centre, issued_by, issued_on, selection, language))


_FILE_NAMES = {
    DocumentKind.DECISION: "decyzja",
    DocumentKind.ASSIGNMENT_LETTER: "pismo-o-wyznaczeniu-asystenta",
    DocumentKind.CONSENT_FORM: "zgoda-rodziny",
    DocumentKind.WORK_PLAN: "plan-pracy",
    DocumentKind.VISIT_DIARY: "dziennik-wizyt",
    DocumentKind.ASSESSMENT: "ocena-sytuacji-rodziny",
    DocumentKind.COURT_OPINION: "opinia-dla-sadu",
    DocumentKind.CLOSURE_NOTE: "notatka-o-zakonczeniu",
    DocumentKind.CASE_FILE: "akta-sprawy",
}


def file_name(kind: DocumentKind | str, reference: str, issued_on: date, suffix: str) -> str:
    """An ASCII file name for Content-Disposition: `plan-pracy-AR-2026-3F2A9C1B-2026-12-01.pdf`.
    No names of people, since file names end up in logs and download folders."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in reference).strip("-")
    return f"{_FILE_NAMES[DocumentKind(kind)]}-{safe}-{issued_on.isoformat()}.{suffix}"


@dataclass(frozen=True)
class IssuedDocument:
    """A document ready to send: its bytes, its media type and file name, and what the audit
    record of its issue needs (kind, title, the case's reference; no personal data)."""

    kind: DocumentKind
    title: str
    reference: str
    media_type: str
    file_name: str
    content: bytes


def issue_document(
    kind: DocumentKind | str,
    data: Data,
    *,
    output: Literal["pdf", "html"] = "pdf",
    centre: Centre | CentreSettings | None = None,
    issued_by: str,
    issued_on: date,
    selection: Selection | None = None,
    language: Language | str = Language.PL,
) -> IssuedDocument:
    """What a route answers with: `Response(issued.content, media_type=issued.media_type,
    headers={"Content-Disposition": f'inline; filename="{issued.file_name}"'})`. CPU-bound
    (a quarter of a second for a page, about a second for a whole case file): call it in a
    thread (`await asyncio.to_thread(issue_document, ...)`)."""
    composed, frame = _prepare(kind, data, centre, issued_by, issued_on, selection, language)
    if output == "pdf":
        from services.documents import pdf

        content, media_type = pdf.render(composed, frame), "application/pdf"
    else:
        from services.documents import html

        content, media_type = html.render(composed, frame).encode(), "text/html; charset=utf-8"
    return IssuedDocument(
        kind=DocumentKind(kind),
        title=composed.title,
        reference=composed.reference,
        media_type=media_type,
        file_name=file_name(kind, composed.reference, issued_on, output),
        content=content,
    )
