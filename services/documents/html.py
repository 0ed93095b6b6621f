"""Blocks to a printable HTML page: Jinja2 templates with a print stylesheet (A4, a new page
per part of a case file, page numbers in the page margin). Self-contained: the logo is inlined,
so the page prints the same when saved or opened without the server."""

from __future__ import annotations

import base64
import mimetypes
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from services.documents.blocks import Block, Composed, Section
from services.documents.pdf import Frame

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix.lower() == ".svg":
        kind = "image/svg+xml"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _css_string(text: str) -> str:
    """Text inside a CSS string in a <style> element, where HTML escaping does not apply: CSS
    escapes for the quote, the backslash, line breaks and the angle brackets (no `</style>`)."""
    escapes = {"\\": "\\5c ", '"': "\\22 ", "<": "\\3c ", ">": "\\3e ", "\n": "\\a "}
    return "".join(escapes.get(ch, ch) for ch in text)


def _parts(blocks: tuple[Block, ...]) -> list[tuple[Section | None, list[Block]]]:
    parts: list[tuple[Section | None, list[Block]]] = [(None, [])]
    for block in blocks:
        if isinstance(block, Section):
            parts.append((block, []))
        else:
            parts[-1][1].append(block)
    return parts


def render(composed: Composed, frame: Frame) -> str:
    texts, centre = frame.texts, frame.centre
    footer_left = " · ".join(
        (
            texts.text("issued_by", person=frame.issued_by),
            texts.text("issued_on", date=texts.date(frame.issued_on)),
        )
    )
    # The page counter in the margin box: the catalogue's words around CSS counters.
    marker_page, marker_pages = "\x00PAGE\x00", "\x00PAGES\x00"
    template = texts.text("page_of", page=marker_page, pages=marker_pages)
    counters = (
        _css_string(template)
        .replace(marker_page, '" counter(page) "')
        .replace(marker_pages, '" counter(pages) "')
    )
    page_counter = Markup(f'"{counters}"')
    return (
        _environment()
        .get_template("document.html")
        .render(
            lang=texts.language.value,
            doc=composed,
            parts=_parts(composed.blocks),
            centre=centre,
            address=[
                *centre.address_lines,
                *([centre.contact_line] if centre.contact_line else []),
            ],
            logo=_data_uri(centre.logo),
            place_and_date=texts.text(
                "place_and_date", city=centre.city, date=texts.date(frame.issued_on)
            ),
            footer_left=footer_left,
            footer_css=Markup(f'"{_css_string(footer_left)}"'),
            page_counter=page_counter,
        )
    )
