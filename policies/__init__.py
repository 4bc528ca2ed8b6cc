"""Policies behind one interface: Vowpal Wabbit, numpy linear bandits, baselines.

The interface and the errors load with the package; the policies themselves (numpy, Vowpal
Wabbit) on first use (PEP 562), so that what only names a policy's types starts without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

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
from policies.errors import InvalidModel, InvalidParameter, PolicyError, UnknownPolicy

if TYPE_CHECKING:
    from policies.baselines import ChurnBandRules, UniformRandom
    from policies.cold_start import ColdStart
    from policies.encoding import NumericEncoder, event_lines
    from policies.linear import LinearThompson, LinUCB
    from policies.pooled import PooledRidge
    from policies.registry import explores_new_offers, get, names, parameters
    from policies.vw import VWPolicy

_HOMES = {
    "ChurnBandRules": "policies.baselines",
    "ColdStart": "policies.cold_start",
    "LinUCB": "policies.linear",
    "LinearThompson": "policies.linear",
    "NumericEncoder": "policies.encoding",
    "PooledRidge": "policies.pooled",
    "UniformRandom": "policies.baselines",
    "VWPolicy": "policies.vw",
    "event_lines": "policies.encoding",
    "explores_new_offers": "policies.registry",
    "get": "policies.registry",
    "names": "policies.registry",
    "parameters": "policies.registry",
}
"""The names loaded on first use, and the module that defines each."""

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
    "PooledRidge",
    "Ranking",
    "Reason",
    "UniformRandom",
    "UnknownPolicy",
    "VWPolicy",
    "event_lines",
    "explores_new_offers",
    "freeze_features",
    "get",
    "names",
    "parameters",
    "unexplained_note",
]


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
