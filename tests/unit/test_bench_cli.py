"""`nba bench decide` runs end to end with tiny sizes (a smoke test: no assertion on speed)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nba.cli import main

TINY = ["--n", "20", "--rate", "20", "--seconds", "0.5", "--clients", "2", "--offers", "4"]


def test_bench_decide_prints_every_phase_and_a_summary_last(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bench", "decide", *TINY])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:5] == ["phase", "n", "rate/s", "p50", "p99"]
    for phase in ("decider.preview", "decider.decide (SQLite)", "http decide, open loop"):
        assert any(line.startswith(phase) for line in lines), phase
    assert lines[-1].startswith("bench decide: ")


def test_bench_decide_without_http_writes_its_rows_as_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    args = ["bench", "decide", *TINY, "--no-http", "--context-features", "25", "--json", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text())["rows"]
    assert [r["phase"] for r in rows] == [
        "vw: encode+parse+predict",
        "vw: predict_one only",
        "decider.preview",
        "decider.decide (SQLite)",
    ]
    assert all(r["n"] == 20 and r["errors"] == 0 for r in rows)
