"""Off-policy evaluation: estimate a candidate policy's value on logged decisions.

The numpy core (batch, estimators, `evaluate`, reward model) loads with the package; the rest
(candidates, logs, reports, runs: pandas and matplotlib) on first use (PEP 562), so that the
HTTP schemas, which need the estimator names, and the CLI start without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from nba.ope.batch import Batch, make_batch
from nba.ope.diagnostics import Diagnostics, diagnose
from nba.ope.estimators import ESTIMATORS
from nba.ope.evaluate import DEFAULT_ESTIMATORS, Estimate, evaluate
from nba.ope.reward_model import cross_fit
from nba.ope.uplift import UpliftEstimate, estimate_uplift

if TYPE_CHECKING:
    from nba.ope.candidates import (
        CandidatePolicy,
        LearnerCandidate,
        RulesCandidate,
        TableCandidate,
        UniformCandidate,
        parse_candidate,
    )
    from nba.ope.dask_engine import evaluate_on_dask
    from nba.ope.dsjson import read_dsjson, write_dsjson
    from nba.ope.logs import LoggedData, from_decisions, from_frame, read_decision_log
    from nba.ope.report import write_html, write_json
    from nba.ope.run import CandidateResult, EvaluationResult, run_evaluation
    from nba.ope.scoring import score

_HOMES = {
    "CandidatePolicy": "nba.ope.candidates",
    "CandidateResult": "nba.ope.run",
    "EvaluationResult": "nba.ope.run",
    "LearnerCandidate": "nba.ope.candidates",
    "LoggedData": "nba.ope.logs",
    "RulesCandidate": "nba.ope.candidates",
    "TableCandidate": "nba.ope.candidates",
    "UniformCandidate": "nba.ope.candidates",
    "evaluate_on_dask": "nba.ope.dask_engine",
    "from_decisions": "nba.ope.logs",
    "from_frame": "nba.ope.logs",
    "parse_candidate": "nba.ope.candidates",
    "read_decision_log": "nba.ope.logs",
    "read_dsjson": "nba.ope.dsjson",
    "run_evaluation": "nba.ope.run",
    "score": "nba.ope.scoring",
    "write_dsjson": "nba.ope.dsjson",
    "write_html": "nba.ope.report",
    "write_json": "nba.ope.report",
}
"""The names loaded on first use, and the module that defines each."""

__all__ = [
    "DEFAULT_ESTIMATORS",
    "ESTIMATORS",
    "Batch",
    "CandidatePolicy",
    "CandidateResult",
    "Diagnostics",
    "Estimate",
    "EvaluationResult",
    "LearnerCandidate",
    "LoggedData",
    "RulesCandidate",
    "TableCandidate",
    "UniformCandidate",
    "UpliftEstimate",
    "cross_fit",
    "diagnose",
    "estimate_uplift",
    "evaluate",
    "evaluate_on_dask",
    "from_decisions",
    "from_frame",
    "make_batch",
    "parse_candidate",
    "read_decision_log",
    "read_dsjson",
    "run_evaluation",
    "score",
    "write_dsjson",
    "write_html",
    "write_json",
]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
