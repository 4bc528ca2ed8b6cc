"""Offline simulator: customer populations, ground truth, scenarios, closed-loop runs."""

from simulator.catalog import DEFAULT_OFFERS, NEW_OFFER
from simulator.churn_model import ChurnModel
from simulator.population import Population, generate
from simulator.result import RunResult
from simulator.runner import Oracle, compare, oracle, run
from simulator.scenarios import (
    SCENARIOS,
    Delayed,
    Drift,
    NewOffer,
    Scenario,
    Seasonal,
    Stationary,
    World,
    build_world,
)
from simulator.truth import Response, ResponseModel

__all__ = [
    "DEFAULT_OFFERS",
    "NEW_OFFER",
    "SCENARIOS",
    "ChurnModel",
    "Delayed",
    "Drift",
    "NewOffer",
    "Oracle",
    "Population",
    "Response",
    "ResponseModel",
    "RunResult",
    "Scenario",
    "Seasonal",
    "Stationary",
    "World",
    "build_world",
    "compare",
    "generate",
    "oracle",
    "run",
]
