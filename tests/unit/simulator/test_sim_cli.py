"""`nba simulate` writes results, logs, plots and the summary."""

from __future__ import annotations

from click.testing import CliRunner

from nba.cli.simulate import simulate
from nba.logschema import EXPORT_COLUMNS, read_log


def test_simulate_writes_its_files(tmp_path) -> None:
    out = tmp_path / "sim"
    args = ["--scenario", "new_offer", "--policies", "rules,random", "--steps", "600"]
    args += ["--seeds", "2", "--population", "500", "--out", str(out), "--format", "csv"]
    result = CliRunner().invoke(simulate, args)
    assert result.exit_code == 0, result.output
    names = {p.name for p in out.iterdir()}
    assert {"steps.csv", "runs.csv", "summary.csv", "summary.md", "logs"} <= names
    assert {"regret.png", "reward_rate.png", "offer_mix.png", "share_streaming_bundle.png"} <= names
    assert "± " in (out / "summary.md").read_text()
    log = read_log(out / "logs" / "rules-seed0.csv")
    assert tuple(log.columns) == EXPORT_COLUMNS and len(log) == 600
    assert result.output.strip().splitlines()[-1] == str(out)


def test_simulate_names_an_unknown_policy(tmp_path) -> None:
    result = CliRunner().invoke(simulate, ["--policies", "nope", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nope" in result.output
