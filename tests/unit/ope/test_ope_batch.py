"""Bad input fails at once, naming the argument and the offending rows."""

from __future__ import annotations

import re

import numpy as np
import pytest

from nba.errors import InvalidInput
from nba.ope import evaluate, make_batch


def _spoil(arrays, field, rows, value):
    values = {
        "reward": arrays.reward.copy(),
        "action": arrays.action.copy(),
        "pscore": arrays.pscore.copy(),
        "action_dist": arrays.action_dist.copy(),
    }
    values[field][rows] = value
    return values


@pytest.mark.parametrize(
    "field, value, phrase",
    [
        ("pscore", 0.0, "(0, 1]"),
        ("pscore", 1.5, "(0, 1]"),
        ("pscore", np.nan, "(0, 1]"),
        ("reward", np.nan, "finite"),
        ("action", 7, "must index"),
        ("action", -1, "must index"),
        ("action_dist", 0.9, "sum to 1"),
        ("action_dist", np.nan, "finite"),
    ],
)
def test_bad_rows_are_rejected_naming_field_and_rows(arrays, field, value, phrase):
    values = _spoil(arrays, field, [3, 17], value)
    with pytest.raises(InvalidInput, match=re.escape(phrase)) as caught:
        make_batch(**values)
    assert caught.value.field == field
    assert caught.value.details["rows"] == [3, 17]
    assert "rows [3, 17]" in caught.value.message


def test_mismatched_lengths_name_the_short_argument(arrays):
    with pytest.raises(InvalidInput, match="500") as caught:
        make_batch(arrays.reward, arrays.action[:-2], arrays.pscore, arrays.action_dist)
    assert caught.value.field == "action"


def test_estimated_rewards_of_the_wrong_shape_are_rejected(arrays):
    with pytest.raises(InvalidInput) as caught:
        make_batch(
            arrays.reward, arrays.action, arrays.pscore, arrays.action_dist, np.zeros((500, 3))
        )
    assert caught.value.field == "estimated_rewards"


def test_fractional_actions_are_rejected(arrays):
    action = arrays.action.astype(float)
    action[5] = 1.5
    with pytest.raises(InvalidInput) as caught:
        make_batch(arrays.reward, action, arrays.pscore, arrays.action_dist)
    assert caught.value.details["rows"] == [5]


def test_unknown_estimator_name_is_rejected(arrays):
    with pytest.raises(InvalidInput) as caught:
        evaluate(arrays.reward, arrays.action, arrays.pscore, arrays.action_dist, estimators=["x"])
    assert caught.value.field == "estimators"


def test_batch_arrays_are_read_only(arrays):
    b = make_batch(arrays.reward, arrays.action, arrays.pscore, arrays.action_dist)
    with pytest.raises(ValueError):
        b.weight[0] = 2.0


def test_non_finite_estimated_rewards_are_rejected_naming_rows(arrays):
    q = arrays.estimated_rewards.copy()
    q[[4, 9], 1] = np.nan
    q[12, 0] = np.inf
    with pytest.raises(InvalidInput) as caught:
        make_batch(arrays.reward, arrays.action, arrays.pscore, arrays.action_dist, q)
    assert caught.value.field == "estimated_rewards"
    assert caught.value.details["rows"] == [4, 9, 12]
