"""Bar charts as inline SVG, drawn on the server: no chart library, nothing to load, and the
numbers are also in a table beside each chart (the chart is for the eye, the table for a
screen reader)."""

from __future__ import annotations

from markupsafe import Markup, escape


def bar_chart(
    rows: list[tuple[str, int]],
    *,
    title: str,
    limit: int | None = None,
    limit_label: str = "limit",
    second: list[int] | None = None,
    second_label: str = "",
) -> Markup:
    """Horizontal bars, one per row (label, value); an optional dashed line at `limit` and an
    optional second bar per row (e.g. capacity beside caseload)."""
    label_width, bar_width, row_height, right = 270, 330, 28, 120
    per_row = row_height * (2 if second else 1) + 10
    height = max(len(rows), 1) * per_row + 40
    top = max([v for _, v in rows] + (second or []) + [limit or 0, 1])
    scale = bar_width / top
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {label_width + bar_width + right} {height}" '
        f'width="{label_width + bar_width + right}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    y = 10
    for i, (name, value) in enumerate(rows):
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 19}" text-anchor="end" font-size="13">'
            f"{escape(_short(name))}</text>"
        )
        parts.append(
            f'<rect class="bar" x="{label_width}" y="{y}" width="{value * scale:.1f}" '
            f'height="{row_height - 4}"></rect>'
        )
        parts.append(
            f'<text x="{label_width + value * scale + 6:.1f}" y="{y + 19}" font-size="14">'
            f"{value}</text>"
        )
        y += row_height
        if second:
            other = second[i]
            parts.append(
                f'<rect class="bar2" x="{label_width}" y="{y}" width="{other * scale:.1f}" '
                f'height="{row_height - 4}"></rect>'
            )
            parts.append(
                f'<text x="{label_width + other * scale + 6:.1f}" y="{y + 19}" font-size="14">'
                f"{other} {escape(second_label)}</text>"
            )
            y += row_height
        y += 10
    if limit:
        x = label_width + limit * scale
        parts.append(f'<line class="limit" x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{y}"></line>')
        parts.append(
            f'<text x="{x - 4:.1f}" y="{y + 18}" text-anchor="end" font-size="13">'
            f"{escape(limit_label)}: {limit}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(name: str, limit: int = 36) -> str:
    # The full label is in the table beside the chart; the chart keeps its width.
    return name if len(name) <= limit else name[: limit - 1] + "…"
