"""`nba evaluate` on a log with too few outcomes says how many it has, needs, and what to do."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from nba.cli import main
from nba.logschema import write_log
from nba.ope.synthetic import decision_log


def _log(tmp_path, outcomes: int):
    """A decision log of 20 rows of which `outcomes` have a reward."""
    frame = decision_log(20, np.random.default_rng(5))
    frame["reward"] = [1.0 if i < outcomes else None for i in range(len(frame))]
    return write_log(frame, tmp_path / "log.parquet")


def _evaluate(tmp_path, *args: str):
    log = _log(tmp_path, outcomes=1)
    options = ["--n-bootstrap", "20", "--seed", "1", "--out", str(tmp_path / "out")]
    return CliRunner().invoke(main, ["evaluate", str(log), "--policy", "random", *options, *args])


def test_one_outcome_with_the_default_estimators_says_what_is_needed_and_what_to_do(tmp_path):
    result = _evaluate(tmp_path)
    assert result.exit_code == 1
    message = result.stderr
    assert "n_folds" not in message
    assert "1 decision with an outcome" in message
    assert "dm, dr, sndr, switch_dr and dr_os need at least 5" in message
    assert "cross-fitted on 5 folds" in message
    assert "Collect at least 4 more outcomes" in message
    assert "estimators that need no cross-fitting: ips, snips, cips (at least 2)" in message
    assert not (tmp_path / "out").exists()


def test_one_outcome_with_estimators_that_fit_no_model_needs_one_more(tmp_path):
    result = _evaluate(tmp_path, "--estimators", "ips,snips")
    assert result.exit_code == 1
    assert "1 decision with an outcome" in result.stderr
    assert "needs at least 2. Collect at least 1 more outcome," in result.stderr


@pytest.mark.parametrize(("outcomes", "estimators"), [(2, "ips,snips"), (5, "ips,dr")])
def test_enough_outcomes_for_the_estimators_asked_are_evaluated(tmp_path, outcomes, estimators):
    log = _log(tmp_path, outcomes)
    args = ["evaluate", str(log), "--policy", "random", "--estimators", estimators,
            "--n-bootstrap", "20", "--seed", "1", "--out", str(tmp_path / "out")]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "evaluation.json").exists()
