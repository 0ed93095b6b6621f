"""The few kinds of block a document is made of. `compose.py` turns a document model into
blocks once; `pdf.py` and `html.py` each print the same blocks, so the paper and the printable
page cannot say different things."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Section:
    """A part of a longer document: starts a new page when `new_page`, and is listed in the
    table of contents when `in_toc`."""

    text: str
    anchor: str
    subtitle: str = ""
    level: int = 0
    new_page: bool = False
    in_toc: bool = True


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    small: bool = False
    align_right: bool = False


@dataclass(frozen=True)
class Fields:
    """Label and value pairs, one per line."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]  # relative widths of the columns
    empty: str = ""


@dataclass(frozen=True)
class Signatures:
    """Lines to sign, two to a row, each with who signs under it."""

    labels: tuple[str, ...]


@dataclass(frozen=True)
class TableOfContents:
    title: str


Block = Title | Section | Heading | Paragraph | Fields | Table | Signatures | TableOfContents


@dataclass(frozen=True)
class Composed:
    """A document ready to print: its title (for the file's metadata) and its blocks."""

    title: str
    reference: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
