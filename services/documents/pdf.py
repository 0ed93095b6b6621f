"""Blocks to an A4 PDF with fpdf2 (pure Python) and the DejaVu Sans font shipped in
`assets/fonts`: no system library and no font lookup at run time, so a fresh machine with only
Python prints the same bytes of text with every Polish letter."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.outline import OutlineSection

from services.documents.blocks import (
    Block,
    Composed,
    Fields,
    Heading,
    Paragraph,
    Section,
    Signatures,
    Table,
    TableOfContents,
    Title,
)
from services.documents.settings import ASSETS, Centre
from services.documents.texts import Catalogue

FONT = "DejaVu"
FONT_FILES = {
    "": ASSETS / "fonts" / "DejaVuSans.ttf",
    "B": ASSETS / "fonts" / "DejaVuSans-Bold.ttf",
}

INK = (25, 25, 25)
MUTED = (90, 90, 90)
ACCENT = (29, 79, 145)
RULE = (160, 160, 160)
HEAD_FILL = (226, 233, 243)

MARGIN = 18.0
HEADER_BOTTOM = 34.0
FOOTER_HEIGHT = 16.0
LINE = 5.2
TABLE_LINE = 4.2
TABLE_PADDING = 1.2


@dataclass(frozen=True)
class Frame:
    """What every page carries besides the document: the centre, who issued it and when."""

    centre: Centre
    issued_by: str
    issued_on: date
    texts: Catalogue


class _Pdf(FPDF):
    def __init__(self, frame: Frame) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.frame = frame
        self.content_top = HEADER_BOTTOM
        for style, path in FONT_FILES.items():
            self.add_font(FONT, style, str(path))
        self.set_margins(MARGIN, HEADER_BOTTOM, MARGIN)
        self.set_auto_page_break(True, margin=FOOTER_HEIGHT + 6)
        self.set_text_color(*INK)

    def header(self) -> None:
        centre = self.frame.centre
        self.image(str(centre.logo), x=MARGIN, y=10, w=16, h=16)
        self.set_xy(MARGIN + 20, 10)
        self.set_font(FONT, "B", 10)
        self.set_text_color(*ACCENT)
        self.multi_cell(0, 4.6, centre.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        lines = [*centre.address_lines]
        if centre.contact_line:
            lines.append(centre.contact_line)
        for line in lines:
            self.set_x(MARGIN + 20)
            self.cell(0, 3.8, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = max(self.get_y(), 27.0) + 1.5
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.4)
        self.line(MARGIN, bottom, self.w - MARGIN, bottom)
        self.set_text_color(*INK)
        self.set_y(max(bottom + 4, HEADER_BOTTOM))
        self.content_top = self.get_y()

    def footer(self) -> None:
        texts = self.frame.texts
        self.set_y(-FOOTER_HEIGHT)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, self.get_y(), self.w - MARGIN, self.get_y())
        self.set_y(-FOOTER_HEIGHT + 1.5)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        left = " · ".join(
            (
                texts.text("issued_by", person=self.frame.issued_by),
                texts.text("issued_on", date=texts.date(self.frame.issued_on)),
            )
        )
        self.cell(self.epw * 0.75, 4, left, align="L")
        # {nb} is replaced by fpdf2 with the page count when the file is written.
        self.cell(0, 4, texts.text("page_of", page=self.page_no(), pages="{nb}"), align="R")
        self.set_text_color(*INK)


class _Printer:
    def __init__(self, pdf: _Pdf, composed: Composed) -> None:
        self.pdf = pdf
        self.composed = composed
        self.sections = sum(1 for b in composed.blocks if isinstance(b, Section) and b.in_toc)

    def ensure_space(self, height: float) -> None:
        if self.pdf.will_page_break(height):
            self.pdf.add_page()

    def print(self, block: Block) -> None:
        match block:
            case Title():
                self._title(block)
            case Section():
                self._section(block)
            case Heading():
                self._heading(block)
            case Paragraph():
                self._paragraph(block)
            case Fields():
                self._fields(block)
            case Table():
                self._table(block)
            case Signatures():
                self._signatures(block.labels)
            case TableOfContents():
                self._toc(block.title)

    def _title(self, block: Title) -> None:
        pdf = self.pdf
        pdf.ln(2)
        pdf.set_font(FONT, "B", 15)
        pdf.set_text_color(*ACCENT)
        pdf.multi_cell(0, 7, block.text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
        if block.subtitle:
            pdf.set_font(FONT, "", 9.5)
            pdf.cell(0, 6, block.subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    def _section(self, block: Section) -> None:
        pdf = self.pdf
        # A part starts a page, unless the page is still empty (right after the
        # table of contents reserved its own pages).
        if block.new_page and pdf.get_y() > pdf.content_top + 0.5:
            pdf.add_page()
        if block.in_toc:
            pdf.start_section(block.text, level=block.level)
        self.print(Title(block.text, block.subtitle))

    def _heading(self, block: Heading) -> None:
        pdf = self.pdf
        self.ensure_space(16)
        pdf.ln(2.5)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(0, 6, block.text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.8)

    def _paragraph(self, block: Paragraph) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "B" if block.bold else "", 8.5 if block.small else 10)
        if block.small:
            pdf.set_text_color(*MUTED)
        pdf.multi_cell(
            0,
            4.4 if block.small else LINE,
            block.text,
            # Left-aligned: justified Polish with long words leaves wide gaps.
            align="R" if block.align_right else "L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_text_color(*INK)
        pdf.ln(1.8)

    def _fields(self, block: Fields) -> None:
        pdf = self.pdf
        pdf.set_font(FONT, "", 10)
        with pdf.table(
            col_widths=(34, 66),
            borders_layout="NONE",
            first_row_as_headings=False,
            text_align="LEFT",
            line_height=LINE,
            padding=(0.8, 1, 0.8, 0),
            v_align="TOP",
        ) as table:
            label = FontFace(emphasis="BOLD", color=MUTED, size_pt=9)
            for name, value in block.rows:
                row = table.row()
                row.cell(name, style=label)
                row.cell(value)
        pdf.ln(2)

    def _table(self, block: Table) -> None:
        pdf = self.pdf
        if not block.rows:
            if block.empty:
                self.print(Paragraph(block.empty, small=True))
            return
        self.ensure_space(18)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        with pdf.table(
            col_widths=block.widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL, size_pt=8.5),
            text_align="LEFT",
            line_height=TABLE_LINE,
            padding=TABLE_PADDING,
            v_align="TOP",
            repeat_headings=1,
        ) as table:
            table.row(block.headers)
            for cells in self._fitting_rows(block):
                table.row(cells)
        pdf.ln(3)

    def _fitting_rows(self, block: Table) -> Iterator[tuple[str, ...]]:
        """The table's rows, a row too tall for one page (a visit note of 4,000 characters
        in a narrow column) cut into rows that each fit, the text continuing in the next."""
        pdf = self.pdf
        usable = pdf.page_break_trigger - pdf.content_top - 20  # less the repeated headings
        most = max(int((usable - 2 * TABLE_PADDING) / TABLE_LINE), 1)
        total = sum(block.widths)
        inner = [pdf.epw * w / total - 2 * TABLE_PADDING for w in block.widths]
        for cells in block.rows:
            lines = [self._lines(width, text) for width, text in zip(inner, cells, strict=True)]
            tallest = max(len(cell) for cell in lines)
            if tallest <= most:
                yield cells
                continue
            for start in range(0, tallest, most):
                yield tuple("\n".join(cell[start : start + most]) for cell in lines)

    def _lines(self, width: float, text: str) -> list[str]:
        """How the text wraps in a cell of this width, measured without printing."""
        lines = self.pdf.multi_cell(width, TABLE_LINE, text, dry_run=True, output="LINES")
        if not isinstance(lines, list):
            raise TypeError(f"fpdf2 dry run returned {type(lines).__name__}, expected lines")
        return [str(line) for line in lines]

    def _signatures(self, labels: tuple[str, ...]) -> None:
        pdf = self.pdf
        width = (pdf.epw - 12) / 2
        for start in range(0, len(labels), 2):
            self.ensure_space(24)
            pdf.ln(13)
            y = pdf.get_y()
            for i, label in enumerate(labels[start : start + 2]):
                # A lone signature (the head's under a letter) goes on the right, as signed.
                column = 1 if len(labels) == 1 else i
                x = MARGIN + column * (width + 12)
                pdf.set_draw_color(*INK)
                pdf.set_line_width(0.2)
                pdf.line(x, y, x + width, y)
                pdf.set_xy(x, y + 1)
                pdf.set_font(FONT, "", 7.5)
                pdf.set_text_color(*MUTED)
                pdf.multi_cell(width, 3.6, label, align="C")
                pdf.set_text_color(*INK)
            pdf.set_xy(MARGIN, y + 9)

    def _toc(self, title: str) -> None:
        pdf = self.pdf
        needed = 14 + 7 * self.sections
        room = pdf.page_break_trigger - pdf.get_y()
        usable = pdf.page_break_trigger - HEADER_BOTTOM
        pages = 1 if needed <= room else 1 + math.ceil((needed - room) / usable)

        def render(doc: FPDF, outline: list[OutlineSection]) -> None:
            doc.ln(3)
            doc.set_font(FONT, "B", 12)
            doc.cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            doc.set_font(FONT, "", 10)
            for section in outline:
                number = str(section.page_number)
                doc.set_x(MARGIN + 4 * section.level)
                name_width = doc.epw - 14 - 4 * section.level
                doc.cell(name_width, 7, section.name, link=doc.add_link(page=section.page_number))
                doc.cell(14, 7, number, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

        pdf.insert_toc_placeholder(render, pages=pages)


def render(composed: Composed, frame: Frame) -> bytes:
    """The PDF's bytes. Its metadata (title, author, date) is fixed by the document and its
    issue, so the same inputs give the same file."""
    pdf = _Pdf(frame)
    texts = frame.texts
    pdf.set_title(composed.title)
    pdf.set_subject(texts.text("case_reference", reference=composed.reference))
    pdf.set_author(frame.issued_by)
    pdf.set_creator(f"Asysta — {frame.centre.name}")
    pdf.set_lang(texts.language.value)
    pdf.set_creation_date(datetime.combine(frame.issued_on, time(12), tzinfo=UTC))
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    place_and_date = texts.text(
        "place_and_date", city=frame.centre.city, date=texts.date(frame.issued_on)
    )
    pdf.cell(0, 5, place_and_date, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    printer = _Printer(pdf, composed)
    for block in composed.blocks:
        printer.print(block)
    return bytes(pdf.output())


def font_paths() -> tuple[Path, ...]:
    return tuple(FONT_FILES.values())
