"""Policies behind one interface: Vowpal Wabbit, numpy linear bandits, baselines."""

from policies.base import (
    Candidate,
    Context,
    Event,
    Explainer,
    Features,
    FeatureValue,
    Policy,
    Ranking,
    Reason,
    freeze_features,
    unexplained_note,
)
from policies.baselines import ChurnBandRules, UniformRandom
from policies.cold_start import ColdStart
from policies.encoding import NumericEncoder, event_lines
from policies.errors import InvalidModel, InvalidParameter, PolicyError, UnknownPolicy
from policies.linear import LinearThompson, LinUCB
from policies.registry import get, names, parameters
from policies.vw import VWPolicy

__all__ = [
    "Candidate",
    "ChurnBandRules",
    "ColdStart",
    "Context",
    "Event",
    "Explainer",
    "FeatureValue",
    "Features",
    "InvalidModel",
    "InvalidParameter",
    "LinUCB",
    "LinearThompson",
    "NumericEncoder",
    "Policy",
    "PolicyError",
    "Ranking",
    "Reason",
    "UniformRandom",
    "UnknownPolicy",
    "VWPolicy",
    "event_lines",
    "freeze_features",
    "get",
    "names",
    "parameters",
    "unexplained_note",
]
