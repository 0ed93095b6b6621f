"""The results: one line per measurement on stdout, the same figures as JSON.

Each side is measured in several rounds, ours and raw alternating, so a drift of the machine
(another process, PostgreSQL's checkpoints) hits both; the table shows medians and how far
the rounds spread around them.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.timing import Rate

RESULTS_PATH = os.path.join(".asysta", "bench-latest.json")


def median(runs: list[Rate]) -> float:
    return statistics.median(r.per_second for r in runs)


def spread(runs: list[Rate]) -> float:
    """Half the range of the rounds, as a fraction of their median (0 for a single round)."""
    rates = [r.per_second for r in runs]
    middle = statistics.median(rates)
    return (max(rates) - min(rates)) / 2 / middle if middle else 0.0


@dataclass(frozen=True)
class Comparison:
    """Our rate and the machine's raw limit for the same work, measured in the same run."""

    name: str
    ours_runs: list[Rate]
    raw_label: str
    raw_runs: list[Rate]

    @property
    def ours(self) -> float:
        return median(self.ours_runs)

    @property
    def raw(self) -> float:
        return median(self.raw_runs)

    @property
    def ratio(self) -> float:
        return self.ours / self.raw if self.raw else 0.0

    def line(self, name_width: int, raw_width: int) -> str:
        return (
            f"{self.name:<{name_width}} : {self.ours:>7,.0f} ev/s"
            f" | {self.raw_label:<{raw_width}} : {self.raw:>7,.0f} ev/s"
            f" | ratio {self.ratio:.3f}"
            f"   (rounds {len(self.ours_runs)}/{len(self.raw_runs)},"
            f" spread ±{spread(self.ours_runs):.0%}/±{spread(self.raw_runs):.0%})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ours_per_second": round(self.ours, 1),
            "ours_runs": [_rate_json(r) for r in self.ours_runs],
            "raw_label": self.raw_label,
            "raw_per_second": round(self.raw, 1),
            "raw_runs": [_rate_json(r) for r in self.raw_runs],
            "ratio": round(self.ratio, 4),
        }


def _rate_json(rate: Rate) -> dict[str, Any]:
    return {
        "events": rate.events,
        "seconds": round(rate.seconds, 4),
        "cpu_seconds": round(rate.cpu_seconds, 4),
        "per_second": round(rate.per_second, 1),
    }


def table(comparisons: list[Comparison], header: str) -> str:
    name_width = max(len(c.name) for c in comparisons)
    raw_width = max(len(c.raw_label) for c in comparisons)
    rows = [c.line(name_width, raw_width) for c in comparisons]
    return "\n".join([header, "-" * max(len(row) for row in rows), *rows])


# Sections of the results file that other benchmarks write.
OTHER_SECTIONS = ("load", "web")


def write_json(
    comparisons: list[Comparison], machine: dict[str, Any], parameters: dict[str, Any]
) -> str:
    os.makedirs(os.path.dirname(RESULTS_PATH), exist_ok=True)
    # The sections other benchmarks keep in the same file (bench.load's "load", bench.web's
    # "web") stay; this run's own figures replace the previous run's.
    document: dict[str, Any] = {}
    if os.path.exists(RESULTS_PATH):
        with open(RESULTS_PATH, encoding="utf-8") as previous, contextlib.suppress(ValueError):
            document = {
                key: value for key, value in json.load(previous).items() if key in OTHER_SECTIONS
            }
    document.update(
        {
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine,
            "parameters": parameters,
            "results": [c.as_json() for c in comparisons],
        }
    )
    with open(RESULTS_PATH, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, ensure_ascii=False)
        out.write("\n")
    return RESULTS_PATH
