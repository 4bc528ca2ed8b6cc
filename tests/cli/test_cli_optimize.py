"""`nba models optimize` runs one comparison and prints its table; `--history` lists them."""

from __future__ import annotations

import json

import numpy as np
from click.testing import CliRunner

from nba.cli import main
from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import build_runtime
from nba.serving.inputs import DecisionRequest

ENV = {
    "NBA_AUTO_OPTIMIZE_HOLDOUT": "80",
    "NBA_AUTO_OPTIMIZE_MIN_ESS": "20",
    "NBA_AUTO_OPTIMIZE_CHALLENGERS": json.dumps({"uniform": {"policy": "random"}}),
}


def test_optimize_prints_one_row_per_challenger_and_the_history_keeps_it(tmp_path):
    data = tmp_path / "data"
    runtime = build_runtime(Settings(data_dir=data, seed=1))
    runtime.catalog.add({"id": "disc", "name": "Discount", "category": "discount"})
    rng = np.random.default_rng(2)
    for i in range(120):
        d = runtime.decider.decide(DecisionRequest(f"c{i}", 0.5)).decision
        accepted = bool(rng.random() < (0.4 if d.chosen == "disc" else 0.05))
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, accepted))
    runtime.close()
    runner = CliRunner()
    ran = runner.invoke(main, ["models", "optimize", "--data-dir", str(data)], env=ENV)
    assert ran.exit_code == 0, ran.output
    lines = ran.output.strip().splitlines()
    assert "80 held-out decisions" in lines[0]
    assert lines[1].split("\t")[0] == "challenger" and lines[2].startswith("uniform\trandom\t")
    assert "95% interval" in lines[2] and lines[-1].startswith("nothing changed")
    shown = runner.invoke(main, ["models", "optimize", "--history", "--data-dir", str(data)],
                          env=ENV)  # fmt: skip
    assert shown.exit_code == 0 and shown.output == ran.output
