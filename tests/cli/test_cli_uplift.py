"""`nba uplift` prints the uplift table with its legend and the guard's state, or JSON;
`--store` stores the guard's report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nba.cli import main
from nba.config import Settings
from nba.runtime import build_runtime
from tests.uplift_world import CATALOG, simulate, store_world

ENV = {"NBA_UPLIFT_WINDOW_DAYS": "3650", "NBA_UPLIFT_MIN_ESS": "20"}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("uplift") / "data"
    runtime = build_runtime(Settings(data_dir=folder, seed=1, trainer_enabled=False))
    for spec in CATALOG:
        runtime.catalog.add(spec)
    store_world(runtime.database, simulate(600, np.random.default_rng(6)))
    runtime.close()
    return folder


def _run(*args: str):
    return CliRunner().invoke(main, ["uplift", *args], env=ENV)


def test_the_table_has_a_row_per_offer_and_band_a_legend_and_the_guard_last(data):
    ran = _run("--data-dir", str(data), "--seed", "3")
    assert ran.exit_code == 0, ran.output
    lines = ran.output.strip().splitlines()
    assert lines[0].startswith("Uplift of each offer over no_action, money per customer")
    assert "600 decisions with a retention answer" in lines[1]
    assert lines[2].startswith("estimator: doubly robust (DR)")
    header = next(i for i, line in enumerate(lines) if line.startswith("offer "))
    rows = lines[header + 1 : header + 10]
    assert [r.split()[:2] for r in rows[:3]] == [["discount", "low"], ["discount", "medium"],
                                                ["discount", "high"]]  # fmt: skip
    assert all(" of " in r for r in rows)  # the acceptance rate and how many it rests on
    assert any(line.startswith("ESS: effective sample size") for line in lines)
    assert lines[-1].startswith("The uplift guard is off")


def test_json_gives_the_same_report_with_the_guard(data):
    ran = _run("--data-dir", str(data), "--format", "json", "--reward", "retention_rate")
    assert ran.exit_code == 0, ran.output
    report = json.loads(ran.output)
    assert report["reward"] == "retention_rate" and report["unit"] == "share retained"
    assert len(report["cells"]) == 9 and report["guard"]["enabled"] is False
    assert all(-1 <= c["uplift"] <= 1 for c in report["cells"] if c["uplift"] is not None)


def test_store_saves_the_guards_report_and_refuses_a_window(data):
    refused = _run("--data-dir", str(data), "--store", "--from", "2026-01-01")
    assert refused.exit_code == 1 and "--from" in refused.output
    stored = _run("--data-dir", str(data), "--store")
    assert stored.exit_code == 0, stored.output
    assert "the report of 20" in stored.output.strip().splitlines()[-1]
