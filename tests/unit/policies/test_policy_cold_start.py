"""The one cold-start floor: which offers get it, how it is lifted, how its counts are kept."""

from __future__ import annotations

import numpy as np
import pytest

from policies import ColdStart, InvalidParameter
from policies.cold_start import TryCounts, lift


@pytest.mark.parametrize(
    "probabilities, floors, expected",
    [((0.97, 0.01, 0.02), {1: 0.1}, (0.97 * 0.9 / 0.99, 0.1, 0.02 * 0.9 / 0.99)),
     ((0.5, 0.3, 0.2), {1: 0.1}, (0.5, 0.3, 0.2)),
     ((0.98, 0.01, 0.01), {1: 0.1, 2: 0.1}, (0.8, 0.1, 0.1)),
     ((0.9, 0.1), {1: 0.7}, (0.5, 0.5)),  # one floored offer gets at most 1/2
     ((0.9, 0.05, 0.05), {1: 0.4, 2: 0.4}, (1 / 3, 1 / 3, 1 / 3)),  # two: at most 1/3
     ((0.9, 0.1), {0: 0.2, 1: 0.2}, (0.8, 0.2))],  # one above its floor gives up the mass
)  # fmt: skip
def test_floored_offers_are_lifted_and_the_others_give_up_the_mass(probabilities, floors, expected):
    lifted = lift(np.array(probabilities), floors)
    assert tuple(lifted) == pytest.approx(expected) and lifted.sum() == pytest.approx(1.0)


def test_lifting_an_offer_already_above_its_floor_changes_nothing():
    probabilities = np.array([0.6, 0.25, 0.15])
    assert lift(probabilities, {1: 0.2}) is probabilities


def _counts(total: int, **offers: tuple[int, int]) -> TryCounts:
    return TryCounts(total, {k: list(v) for k, v in offers.items()})


def test_an_offer_that_joined_late_gets_the_floor_until_chosen_enough():
    rule = ColdStart(probability=0.2, tries=100)
    counts = _counts(500, old=(500, 120), new=(150, 99), done=(150, 100))
    assert rule.floors(counts, ["old", "new", "done", "unseen"]) == {1: 0.2, 3: 0.2}


def test_an_offer_from_the_start_gets_only_the_start_floor():
    counts = _counts(50, a=(50, 10), b=(50, 40))
    assert ColdStart(tries=100).floors(counts, ["a", "b"]) == {}
    early = ColdStart(tries=100, start_probability=0.05, start_tries=30)
    assert early.floors(counts, ["a", "b"]) == {0: 0.05}


def test_zero_tries_turn_the_floor_off():
    assert ColdStart(tries=0).floors(_counts(10**6, a=(0, 0)), ["a", "b"]) == {}


@pytest.mark.parametrize(
    "field, value, parameter",
    [("probability", 0.6, "cold_start_probability"),
     ("tries", -1, "cold_start_tries"),
     ("start_probability", float("nan"), "start_probability"),
     ("start_tries", 2.5, "start_tries")],
)  # fmt: skip
def test_a_bad_cold_start_parameter_is_named_as_the_policy_parameter(field, value, parameter):
    with pytest.raises(InvalidParameter) as raised:
        ColdStart(**{field: value})
    assert raised.value.parameter == parameter


def test_counts_count_each_candidate_once_and_round_trip_their_state():
    counts = TryCounts()
    counts.count(["a", "b", "a"], "a")
    counts.count(["a", "c"], "c")
    assert counts.state() == {"total": 2, "offers": {"a": [2, 1], "b": [1, 0], "c": [1, 1]}}
    assert TryCounts.from_state(counts.state()).state() == counts.state()


@pytest.mark.parametrize(
    "state",
    [[1], {"total": 1}, {"total": -1, "offers": {}}, {"total": 1, "offers": {"a": [1, True]}},
     {"total": 1, "offers": {"a": [1]}}, {"total": 1, "offers": []}],
)  # fmt: skip
def test_counts_refuse_a_state_of_another_shape(state):
    with pytest.raises(ValueError):
        TryCounts.from_state(state)
