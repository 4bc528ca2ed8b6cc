"""The health score: families, weights, bands and their edges, the forced-red rule."""

from __future__ import annotations

import pytest

from nba.health import Band, default_weights, health_score, health_weights


def _one_family_weights(**bands: int) -> object:
    """One family per signal weight, so that a score is set by which signals fire."""
    return health_weights(
        {
            "families": {
                "calls": {"weight": 30, "triggers": [{"signal": "support_calls_7d", "value": 3}]},
                "usage": {
                    "weight": 31,
                    "triggers": [{"signal": "usage_change_14d_pct", "op": "le", "value": -30}],
                },
                "rest": {"weight": 39, "triggers": [{"signal": "outages_30d", "value": 1}]},
            },
            "bands": bands or {"green_min": 70, "amber_min": 40},
            "force_red_families": None,
        }
    )


def test_no_signal_firing_is_full_health_green_and_churn_zero():
    health = health_score({"support_calls_7d": 0, "tenure_months": 48}, default_weights())
    assert (health.score, health.band, health.families, health.churn_score) == (
        100,
        Band.GREEN,
        (),
        0.0,
    )


@pytest.mark.parametrize(
    "signals, score, band",
    [
        ({"support_calls_7d": 3}, 70, Band.GREEN),  # 100 - 30: green starts at 70
        ({"usage_change_14d_pct": -30.0}, 69, Band.AMBER),  # 100 - 31: just below green
        ({"support_calls_7d": 3, "usage_change_14d_pct": -45.0}, 39, Band.RED),  # 100 - 61
        ({"outages_30d": 1, "support_calls_7d": 2}, 61, Band.AMBER),
        ({"outages_30d": 1, "usage_change_14d_pct": -29.9}, 61, Band.AMBER),
    ],
)
def test_bands_start_at_their_thresholds(signals, score, band):
    health = health_score(signals, _one_family_weights())
    assert (health.score, health.band) == (score, band)


def test_amber_starts_at_amber_min():
    weights = _one_family_weights(green_min=80, amber_min=61)
    assert health_score({"outages_30d": 1}, weights).band is Band.AMBER  # 100 - 39 = 61
    assert health_score({"outages_30d": 1, "support_calls_7d": 3}, weights).band is Band.RED


def test_the_default_weights_are_domain_section_2():
    weights = default_weights()
    assert {name: f.weight for name, f in weights.families.items()} == {
        "service": 25,
        "network": 15,
        "usage": 20,
        "billing": 20,
        "satisfaction": 10,
        "tenure": 10,
    }
    assert (weights.bands.green_min, weights.bands.amber_min) == (70, 40)
    assert weights.force_red_families == 3


def test_a_family_adds_its_weight_once_however_many_triggers_fire():
    weights = default_weights()
    one = health_score({"support_calls_7d": 3}, weights)
    all_four = health_score(
        {
            "support_calls_7d": 5,
            "support_calls_30d": 9,
            "unresolved_tickets": 2,
            "technician_visits_60d": 2,
        },
        weights,
    )
    assert one.score == all_four.score == 75
    assert len(dict(all_four.families)["service"]) == 4


def test_three_weak_families_force_red_where_their_weights_say_amber():
    # satisfaction 10 + tenure 10 + network 15 = 35: health 65, amber by weight alone.
    signals = {"last_rating": 2, "tenure_months": 6, "outages_30d": 3}
    health = health_score(signals, default_weights())
    assert health.family_names == ("network", "satisfaction", "tenure")
    assert (health.band, health.forced_red, health.score) == (Band.RED, True, 39)
    assert health.churn_score == pytest.approx(0.61)


def test_two_families_do_not_force_red():
    health = health_score({"last_rating": 1, "tenure_months": 6}, default_weights())
    assert (health.score, health.band, health.forced_red) == (80, Band.GREEN, False)


def test_three_families_already_red_keep_their_lower_score():
    signals = {"support_calls_7d": 3, "usage_change_14d_pct": -50, "bill_shock": True}
    health = health_score(signals, default_weights())  # 100 - 65 = 35
    assert (health.score, health.band, health.forced_red) == (35, Band.RED, False)


def test_the_rule_takes_its_configured_count():
    weights = health_weights({**_raw_defaults(), "force_red_families": 2})
    health = health_score({"last_rating": 1, "tenure_months": 6}, weights)
    assert (health.band, health.score) == (Band.RED, 39)


def test_a_missing_signal_never_fires_and_a_flag_fires_only_when_true():
    weights = default_weights()
    assert health_score({"bill_shock": False}, weights).score == 100
    assert health_score({"bill_shock": True}, weights).family_names == ("billing",)


def test_weights_are_relative():
    doubled = _raw_defaults()
    for family in doubled["families"].values():
        family["weight"] *= 2
    signals = {"support_calls_7d": 4, "late_payments_90d": 1}
    assert (
        health_score(signals, health_weights(doubled)).score
        == health_score(signals, default_weights()).score
        == 55
    )


def _raw_defaults() -> dict:
    from copy import deepcopy

    from nba.health import DEFAULT_WEIGHTS

    return deepcopy(dict(DEFAULT_WEIGHTS))


def test_a_half_point_of_health_rounds_up():
    weights = health_weights(
        {
            "families": {
                "calls": {"weight": 1, "triggers": [{"signal": "support_calls_7d", "value": 1}]},
                "rest": {"weight": 7, "triggers": [{"signal": "outages_30d", "value": 1}]},
            }
        }
    )
    assert health_score({"support_calls_7d": 1}, weights).score == 88  # 87.5
