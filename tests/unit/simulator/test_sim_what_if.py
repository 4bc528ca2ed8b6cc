"""What-if runs: a proposed catalogue against the current one on the same customers."""

from __future__ import annotations

import pytest

from nba.errors import InvalidInput
from simulator.proposal import apply_changes, default_catalogue, read_catalogue
from simulator.scenarios import Stationary
from simulator.what_if import METRICS, t_quantile, what_if

WORLD = Stationary(population_size=4_000)
SEEDS = (11, 12, 13)
STRONG = {
    "id": "save_pack",
    "name": "Save pack",
    "category": "service",
    "cost": 2,
    "value": 100,
    "response": {
        "intercept": -0.5,
        "weights": {"churn": 3.0},
        "save_rate": 0.9,
        "fit": {"price": 1, "service": 1, "disengaged": 1, "loyal": 1},
    },
}
"""A clearly better offer: cheap, often accepted by those at risk, and it keeps them."""


def _run(proposed, *, seeds=SEEDS, steps=3_000, current=None):
    return what_if(
        current or default_catalogue(), proposed, steps=steps, seeds=seeds, scenario=WORLD
    )


def test_a_clearly_better_offer_raises_accepts_and_net_value_beyond_the_interval():
    result = _run(apply_changes(default_catalogue(), {"offers": [STRONG]}))
    for metric in ("accepts", "retained_value", "net_value"):
        change = result.change(metric)
        assert change.ci_low > 0, change
    use = {o.offer_id: o for o in result.offers}["save_pack"]
    assert use.current is None and use.proposed is not None and use.proposed[1] > 100


def test_the_same_catalogue_changes_nothing_and_its_interval_holds_zero():
    result = _run(apply_changes(default_catalogue(), {"offers": [{"id": "discount_10"}]}))
    for metric in METRICS:
        change = result.change(metric)
        assert change.ci_low <= 0 <= change.ci_high
        assert change.change == 0  # common random numbers: the same customers, the same draws


def test_one_seed_gives_an_interval_over_the_customers():
    same = _run(default_catalogue(), seeds=(5,))
    better = _run(apply_changes(default_catalogue(), {"offers": [STRONG]}), seeds=(5,))
    assert same.interval == "normal over customers"
    assert same.change("accepts").ci_low <= 0 <= same.change("accepts").ci_high
    assert better.change("net_value").ci_low > 0


def test_a_budget_is_never_overspent_and_its_cut_shows_as_fewer_accepts():
    proposed = apply_changes(
        default_catalogue(), {"offers": [{"id": "discount_25", "caps": {"budget_accepts": 10}}]}
    )
    result = _run(proposed)
    use = {o.offer_id: o for o in result.offers}["discount_25"]
    assert use.proposed is not None and use.current is not None
    assert use.proposed[1] <= 10 < use.current[1]
    assert result.change("cost").ci_high < 0


def test_a_cheaper_offer_costs_less_for_the_same_accepts():
    proposed = apply_changes(
        default_catalogue(), {"offers": [{"id": "technician_visit", "cost": 5}]}
    )
    result = what_if(
        default_catalogue(), proposed, steps=3_000, seeds=SEEDS, scenario=WORLD,
        reward_mode="acceptance",
    )  # fmt: skip
    assert result.change("accepts").change == 0  # the acceptance oracle ignores cost
    assert result.change("cost").ci_high < 0


def test_t_quantiles_match_the_tables():
    assert [round(t_quantile(0.975, df), 2) for df in (1, 2, 4, 10, 30)] == [
        12.71,
        4.30,
        2.78,
        2.23,
        2.04,
    ]
    assert t_quantile(0.975, 10**6) == pytest.approx(1.96, abs=1e-3)
    assert t_quantile(0.95, 2) == pytest.approx(2.920, abs=1e-3)
    assert t_quantile(0.95, 12) == pytest.approx(1.782, abs=1e-3)


@pytest.mark.parametrize(
    "changes, field, says",
    [
        ({"offers": [{"id": "discount_10", "cost": -1}]}, "offers.0.cost", "greater than"),
        ({"offers": [{**STRONG, "response": None}]}, "offers.0.response", "is new"),
        (
            {"offers": [{**STRONG, "response": {"intercept": 0, "weights": {"churny": 1}}}]},
            "offers.0.response.weights",
            "not a simulator signal",
        ),
        (
            {"offers": [{**STRONG, "response": {"intercept": 0, "fit": {"price": 2}}}]},
            "offers.0.response.fit",
            "must be in [0, 1]",
        ),
        ({"offers": [{"id": "new_one", "cost": 1}]}, "offers.0.name", "is required"),
        ({"offers": [{"id": "discount_10", "colour": "red"}]}, "offers.0.colour", "unknown"),
        ({"remove": ["no_action"]}, "remove.0", "no_action stays"),
        ({"remove": ["nope"]}, "remove.0", "no such offer"),
        ({"offer": []}, "offer", "unknown key"),
        ({"offers": [{"id": "no_action", "status": "paused"}]}, "offers", "no_action stays"),
    ],
)
def test_a_bad_catalogue_is_refused_naming_the_place(changes, field, says):
    with pytest.raises(InvalidInput) as raised:
        apply_changes(default_catalogue(), changes)
    assert raised.value.field == field and says in raised.value.message


def test_a_file_changes_removes_and_adds_offers(tmp_path):
    path = tmp_path / "proposed.yaml"
    path.write_text(
        "offers:\n  - {id: discount_10, cost: 9, caps: {budget_money: 500}}\n"
        "remove: [device_upgrade]\n"
    )
    catalogue = read_catalogue(path)
    offers = {o.id: o for o in catalogue.offers}
    assert "device_upgrade" not in offers
    assert offers["discount_10"].cost == 9 and offers["discount_10"].caps.budget_money == 500
    assert offers["discount_10"].name == "10% bill discount"
