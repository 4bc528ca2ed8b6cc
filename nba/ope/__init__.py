"""Off-policy evaluation: estimate a candidate policy's value on logged decisions."""

from nba.ope.batch import Batch, make_batch
from nba.ope.candidates import (
    CandidatePolicy,
    LearnerCandidate,
    RulesCandidate,
    TableCandidate,
    UniformCandidate,
    parse_candidate,
)
from nba.ope.diagnostics import Diagnostics, diagnose
from nba.ope.dsjson import read_dsjson, write_dsjson
from nba.ope.estimators import ESTIMATORS
from nba.ope.evaluate import DEFAULT_ESTIMATORS, Estimate, evaluate
from nba.ope.logs import LoggedData, from_decisions, from_frame, read_decision_log
from nba.ope.report import write_html, write_json
from nba.ope.reward_model import cross_fit
from nba.ope.run import CandidateResult, EvaluationResult, run_evaluation
from nba.ope.scoring import score

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
    "cross_fit",
    "diagnose",
    "evaluate",
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
