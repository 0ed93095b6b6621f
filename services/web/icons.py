"""Icons drawn inline as SVG (no icon font to load, nothing that depends on the system's
emoji fonts); always beside a word, never carrying meaning alone, so hidden from readers."""

from __future__ import annotations

from markupsafe import Markup

_PATHS = {
    # a triangle with an exclamation mark: overdue, an error
    "warning": '<path d="M12 2 1 21h22L12 2z" fill="currentColor"/>'
    '<path d="M11 9h2v6h-2zm0 8h2v2h-2z" fill="#fff"/>',
    # a clock: a deadline soon
    "clock": '<circle cx="12" cy="12" r="10" fill="none" stroke="currentColor" stroke-width="2.5"/>'
    '<path d="M12 6v6l4 3" fill="none" stroke="currentColor" stroke-width="2.5"/>',
    # a tick: saved
    "check": '<path d="m4 12 5 5L20 6" fill="none" stroke="currentColor" stroke-width="3"/>',
    # scales: a court's order
    "court": '<path d="M12 3v17M5 20h14M4 7h16M7 7l-3 7h6zm10 0-3 7h6z" fill="none" '
    'stroke="currentColor" stroke-width="2"/>',
}


def icon(name: str) -> Markup:
    return Markup(
        '<svg class="icon" aria-hidden="true" focusable="false" width="1em" height="1em" '
        f'viewBox="0 0 24 24">{_PATHS[name]}</svg>'
    )
