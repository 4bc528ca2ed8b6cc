"""Off-policy evaluation: estimate a candidate policy's value on logged decisions."""

from nba.ope.batch import Batch, make_batch
from nba.ope.diagnostics import Diagnostics, diagnose
from nba.ope.estimators import ESTIMATORS
from nba.ope.evaluate import DEFAULT_ESTIMATORS, Estimate, evaluate
from nba.ope.reward_model import cross_fit

__all__ = [
    "DEFAULT_ESTIMATORS",
    "ESTIMATORS",
    "Batch",
    "Diagnostics",
    "Estimate",
    "cross_fit",
    "diagnose",
    "evaluate",
    "make_batch",
]
