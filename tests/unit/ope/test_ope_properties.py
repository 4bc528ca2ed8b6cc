"""Properties that hold for any valid arrays (hypothesis; derandomised in CI)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nba.ope import evaluate

ROWS = st.integers(min_value=2, max_value=40)


@st.composite
def logged_rounds(draw: st.DrawFn) -> dict[str, np.ndarray]:
    n = draw(ROWS)
    k = draw(st.integers(min_value=1, max_value=5))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    candidate = rng.dirichlet(np.ones(k), size=n)
    return {
        "reward": rng.uniform(-1, 1, n),
        "action": rng.integers(0, k, n),
        "pscore": rng.uniform(0.05, 1.0, n),
        "action_dist": candidate,
        "estimated_rewards": rng.uniform(-1, 1, (n, k)),
    }


@settings(max_examples=60, deadline=None)
@given(logged_rounds())
def test_self_normalised_estimates_stay_within_the_reward_range(arrays):
    (snips,) = evaluate(**arrays, estimators=["snips"], n_bootstrap=0)
    low, high = arrays["reward"].min(), arrays["reward"].max()
    assert low - 1e-12 <= snips.value <= high + 1e-12


@settings(max_examples=60, deadline=None)
@given(logged_rounds())
def test_intervals_are_ordered_and_tuned_lambdas_are_reported(arrays):
    for e in evaluate(**arrays, n_bootstrap=30, random_state=0):
        assert e.ci_low <= e.ci_high
        assert (e.lambda_ is not None) == (e.name in ("switch_dr", "dr_os"))
        assert 0 < e.ess <= e.n + 1e-9
