"""Ground truth: the response structure retention teams describe."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.catalog import DEFAULT_OFFERS
from simulator.population import Population
from simulator.truth import (
    ResponseModel,
    acceptance,
    expected_reward,
    oracle_choice,
    signals,
)

MODEL = ResponseModel.default(DEFAULT_OFFERS)
IDS = MODEL.offer_ids


def _accept(population: Population) -> np.ndarray:
    return acceptance(MODEL.logits(signals(population), population.channel), 0.0, 0.5)


def _column(offer_id: str) -> int:
    return IDS.index(offer_id)


@pytest.mark.parametrize("offer_id", ["discount_10", "discount_25"])
def test_discount_acceptance_rises_with_bill_and_churn(
    population: Population, offer_id: str
) -> None:
    j = _column(offer_id)
    base = _accept(population)[:, j]
    higher_bill = replace(population, monthly_charges=population.monthly_charges + 40.0)
    riskier = replace(
        population, churn_probability=np.minimum(population.churn_probability + 0.2, 1.0)
    )
    assert (_accept(higher_bill)[:, j] > base).all()
    assert (_accept(riskier)[:, j] > base).all()


def test_upsell_is_accepted_only_by_low_risk_satisfied_customers(population: Population) -> None:
    upsell = _accept(population)[:, _column("premium_upsell")]
    fits = (population.churn_probability < 0.15) & (population.satisfaction >= 4)
    assert upsell[~fits].max() < 1e-4
    assert upsell[fits].mean() > 0.15


def test_technician_visits_suit_outage_and_call_complainers(population: Population) -> None:
    p = population
    accept = _accept(p)
    j = _column("technician_visit")
    complainers = (p.outages_30d >= 2) & (p.support_calls_30d >= 2)
    quiet = (p.outages_30d == 0) & (p.support_calls_30d == 0)
    assert accept[complainers, j].mean() > 3 * accept[quiet, j].mean()
    best = oracle_choice(accept)
    assert (best[complainers] == j).mean() > 5 * (best[quiet] == j).mean()


@pytest.mark.parametrize(
    "offer_id, fits",
    [
        ("device_upgrade", lambda p: p.device_age_months >= 36),
        ("loyalty_programme", lambda p: p.tenure_months >= 60),
        ("data_bonus", lambda p: p.data_usage_pct >= 0.9),
    ],
)
def test_each_offer_fits_its_customers(population: Population, offer_id: str, fits) -> None:
    j = _column(offer_id)
    accept = _accept(population)[:, j]
    mask = fits(population)
    assert accept[mask].mean() > 1.5 * accept[~mask].mean()


def test_no_action_is_never_accepted(population: Population) -> None:
    assert (_accept(population)[:, _column("no_action")] == 0.0).all()


def test_contact_fatigue_lowers_acceptance(population: Population) -> None:
    logits = MODEL.logits(signals(population), population.channel)
    fresh, tired = acceptance(logits, 0.0, 0.5), acceptance(logits, 3.0, 0.5)
    assert (tired[:, 1:] < fresh[:, 1:]).all()


def test_under_net_value_doing_nothing_is_best_for_some_customers(population: Population) -> None:
    sig = signals(population)
    probs = _accept(population)
    values = MODEL.values(sig, population)
    net = expected_reward(probs, values, MODEL.costs(), "net_value")
    best = oracle_choice(net)
    share = (best == _column("no_action")).mean()
    assert 0.02 < share < 0.5
    assert (oracle_choice(probs) != _column("no_action")).all()
