"""The cross-fitted reward model never predicts a row from its own reward."""

from __future__ import annotations

import numpy as np
import pytest

from nba.ope import cross_fit, evaluate
from nba.ope.reward_model import fold_key, fold_of_rows


@pytest.mark.parametrize("row", [0, 57, 399])
def test_a_rows_prediction_does_not_depend_on_its_own_reward(rng, row):
    n, k = 400, 3
    x = rng.standard_normal((n, 2))
    action = rng.integers(0, k, n)
    reward = rng.binomial(1, 0.4, n).astype(float)
    flipped = reward.copy()
    flipped[row] = 1 - flipped[row]
    before = cross_fit(reward, action, k, np.random.default_rng(5), features=x)
    after = cross_fit(flipped, action, k, np.random.default_rng(5), features=x)
    np.testing.assert_array_equal(before[row], after[row])
    assert not np.allclose(before, after)  # the other folds' rows did see it


def test_without_features_it_is_the_out_of_fold_mean_per_action(rng):
    n, k = 300, 2
    action = rng.integers(0, k, n)
    reward = rng.normal(size=n)
    predictions = cross_fit(reward, action, k, np.random.default_rng(1), n_folds=3)
    fold = fold_of_rows(0, n, n, 3, fold_key(np.random.default_rng(1)))
    row = 0
    train = (fold != fold[row]) & (action == 1)
    assert predictions[row, 1] == pytest.approx(reward[train].mean(), abs=1e-4)


def test_evaluate_fits_the_model_when_estimated_rewards_are_absent(arrays):
    (with_model,) = evaluate(
        arrays.reward,
        arrays.action,
        arrays.pscore,
        arrays.action_dist,
        estimators=["dm"],
        n_bootstrap=0,
        random_state=0,
    )
    assert 0.0 <= with_model.value <= 1.0
