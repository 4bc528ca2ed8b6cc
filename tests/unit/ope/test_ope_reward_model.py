"""The cross-fitted reward model never predicts a row from its own reward."""

from __future__ import annotations

import numpy as np
import pytest

from nba.ope import cross_fit, evaluate


def test_a_row_prediction_does_not_depend_on_its_own_reward(rng):
    n, k = 400, 3
    x = rng.standard_normal((n, 2))
    action = rng.integers(0, k, n)
    reward = rng.binomial(1, 0.4, n).astype(float)
    changed = reward.copy()
    changed[::7] = 1 - changed[::7]
    before = cross_fit(reward, action, k, np.random.default_rng(5), features=x)
    after = cross_fit(changed, action, k, np.random.default_rng(5), features=x)
    touched = np.zeros(n, dtype=bool)
    touched[::7] = True
    assert not np.allclose(before, after)
    fold = np.random.default_rng(5).permutation(n) % 5
    for f in range(5):
        rows = fold == f
        if touched[rows].sum() == 1:
            row = np.flatnonzero(rows & touched)[0]
            np.testing.assert_array_equal(before[row], after[row])
    single = np.zeros(n, dtype=bool)
    single[0] = True
    flipped = reward.copy()
    flipped[0] = 1 - flipped[0]
    after_one = cross_fit(flipped, action, k, np.random.default_rng(5), features=x)
    np.testing.assert_array_equal(before[0], after_one[0])
    assert not np.array_equal(before[~single], after_one[~single])


def test_without_features_it_is_the_out_of_fold_mean_per_action(rng):
    n, k = 300, 2
    action = rng.integers(0, k, n)
    reward = rng.normal(size=n)
    predictions = cross_fit(reward, action, k, np.random.default_rng(1), n_folds=3)
    fold = np.random.default_rng(1).permutation(n) % 3
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
