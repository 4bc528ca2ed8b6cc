"""`nba bench decide --no-http`: the in-process phases with tiny sizes (no speed asserted)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nba.cli import main

TINY = ["--n", "20", "--rate", "20", "--seconds", "0.5", "--clients", "2", "--offers", "4"]


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
