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
)
from policies.baselines import ChurnBandRules, UniformRandom
from policies.encoding import NumericEncoder, event_lines
from policies.linear import LinearThompson, LinUCB
from policies.registry import get, names, parameters
from policies.vw import VWPolicy

__all__ = [
    "Candidate",
    "ChurnBandRules",
    "Context",
    "Event",
    "Explainer",
    "FeatureValue",
    "Features",
    "LinUCB",
    "LinearThompson",
    "NumericEncoder",
    "Policy",
    "Ranking",
    "Reason",
    "UniformRandom",
    "VWPolicy",
    "event_lines",
    "freeze_features",
    "get",
    "names",
    "parameters",
]
