"""`make bench` writes its figures to .asysta/bench-latest.json beside the sections the other
benchmarks keep there (bench.load's "load", bench.web's "web"): a new run replaces its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.report import write_json


def test_a_run_keeps_the_other_benchmarks_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    results = tmp_path / ".asysta" / "bench-latest.json"
    results.parent.mkdir()
    results.write_text(
        json.dumps({"load": {"rate": 20}, "web": {"ratio": 1.3}, "results": ["old"], "x": 1})
    )
    write_json([], {"cpus": 2}, {"events": 10})
    written = json.loads(results.read_text())
    assert written["load"] == {"rate": 20} and written["web"] == {"ratio": 1.3}
    assert written["results"] == [] and written["machine"] == {"cpus": 2}
    assert "x" not in written  # what no benchmark writes is not carried over
    results.write_text("not json")
    write_json([], {"cpus": 2}, {"events": 10})
    assert json.loads(results.read_text())["parameters"] == {"events": 10}
