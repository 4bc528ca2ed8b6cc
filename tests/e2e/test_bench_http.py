"""`nba bench decide` with its HTTP phases against a live gunicorn service (tiny sizes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from nba.cli import main

TINY = ["--n", "20", "--rate", "20", "--seconds", "0.5", "--clients", "2", "--offers", "4"]


@pytest.mark.slow
def test_bench_decide_prints_every_phase_and_a_summary_last(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bench", "decide", *TINY])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:5] == ["phase", "n", "rate/s", "p50", "p99"]
    for phase in ("decider.preview", "decider.decide (SQLite)", "http decide, open loop"):
        assert any(line.startswith(phase) for line in lines), phase
    assert lines[-1].startswith("bench decide: ")
