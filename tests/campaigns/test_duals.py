"""The budgeted assignment's prices: feasible, and optimal up to what the duality gap allows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nba.campaigns import choose, dual_bound, solve
from nba.campaigns.draws import tie_breaks
from nba.campaigns.duals import use_of


def _case(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Chances of acceptance as rewards (the acceptance reward: every budget ties at price 1
    without the tie-break); column 0 is no_action (reward 0, accepts 0)."""
    accepts = rng.beta(1.5, 8.0, size=(n, k))
    accepts[:, 0] = 0.0
    ids = [f"c{i}" for i in range(n)]
    return accepts + tie_breaks(ids, 1, k), accepts


def _linear_programme(rewards: np.ndarray, accepts: np.ndarray, caps: np.ndarray) -> float:
    """The exact optimum of the assignment's LP relaxation (scipy's HiGHS): an upper bound on
    any assignment within the caps, reached by the Lagrangian's prices up to the customers
    left at a budget's margin."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    n, k = rewards.shape
    x = np.arange(n * k).reshape(n, k)  # variable of customer i, offer a
    one_each = csr_matrix((np.ones(n * k), (np.repeat(np.arange(n), k), x.ravel())))
    budgeted = [a for a in range(k) if np.isfinite(caps[a])]
    limits = csr_matrix(
        (accepts[:, budgeted].T.ravel(), (np.repeat(np.arange(len(budgeted)), n),
         x[:, budgeted].T.ravel())), shape=(len(budgeted), n * k),
    )  # fmt: skip
    result = linprog(
        -rewards.ravel(),
        A_ub=limits,
        b_ub=caps[budgeted],
        A_eq=one_each,
        b_eq=np.ones(n),
        bounds=(0, 1),
        method="highs",
    )
    assert result.status == 0
    return float(-result.fun)


def test_prices_reach_the_exact_optimum_of_small_cases_up_to_their_margins():
    pytest.importorskip("scipy")
    rng = np.random.default_rng(14)
    caps = np.array([np.inf, 15.0, 10.0, np.inf, 12.0])
    ratios = []
    for _ in range(3):
        rewards, accepts = _case(rng, 400, 5)
        rewards[:, 1:] *= np.array([1.0, 1.6, 0.7, 1.2])  # net values differ by offer
        solution = solve(rewards, accepts, caps)
        best = _linear_programme(rewards, accepts, caps)
        assert np.all(solution.use <= caps + 1e-9)
        assert solution.total <= best + 1e-9 <= solution.dual_bound + 1e-6  # weak duality
        # What prices cannot split: the customers at the margin of each of the 3 budgets.
        assert best - solution.total <= 3 * rewards.max()
        ratios.append(solution.total / best)
    assert np.median(ratios) >= 0.99, ratios


def test_the_dual_bound_certifies_near_optimality_on_thousands_of_customers():
    rng = np.random.default_rng(7)
    rewards, accepts = _case(rng, 20_000, 6)
    caps = np.array([np.inf, 300.0, 150.0, np.inf, 80.0, 500.0])
    solution = solve(rewards, accepts, caps)
    assert np.all(solution.use <= caps + 1e-6)
    assert solution.gap / solution.total < 1e-3
    unconstrained = rewards[np.arange(len(rewards)), rewards.argmax(axis=1)].sum()
    assert solution.total < unconstrained  # the budgets bind: prices were needed


def test_an_unbinding_budget_has_price_zero_and_a_binding_one_is_used_up():
    rng = np.random.default_rng(3)
    rewards, accepts = _case(rng, 5_000, 4)
    free = use_of(accepts, choose(rewards, accepts, np.zeros(4)), 4)
    caps = np.array([np.inf, free[1] * 2, free[2] * 0.5, np.inf])
    solution = solve(rewards, accepts, caps)
    assert solution.prices[1] == 0.0 and solution.prices[3] == 0.0
    assert solution.prices[2] > 0
    assert caps[2] * 0.99 <= solution.use[2] <= caps[2]


def test_a_zero_budget_keeps_the_offer_from_everyone():
    rng = np.random.default_rng(5)
    rewards, accepts = _case(rng, 1_000, 3)
    solution = solve(rewards, accepts, np.array([np.inf, 0.0, np.inf]))
    assert (choose(rewards, accepts, solution.prices) != 1).all()


def test_the_bound_holds_for_any_prices():
    rng = np.random.default_rng(9)
    rewards, accepts = _case(rng, 7, 3)
    caps = np.array([np.inf, 0.3, 0.2])
    best = _brute_force(rewards, accepts, caps)
    for prices in rng.uniform(0, 3, size=(50, 3)):
        prices[0] = 0.0
        assert dual_bound(rewards, accepts, caps, prices) >= best - 1e-12


def _brute_force(rewards: np.ndarray, accepts: np.ndarray, caps: np.ndarray) -> float:
    """The best total over every assignment within the caps (k ** n of them)."""
    n, k = rewards.shape
    choices = np.array(list(itertools.product(range(k), repeat=n)))  # (k**n, n)
    rows = np.arange(n)
    totals = rewards[rows, choices].sum(axis=1)
    used = np.stack([(accepts[rows, choices] * (choices == a)).sum(axis=1) for a in range(k)], 1)
    feasible = (used <= caps + 1e-12).all(axis=1)
    return float(totals[feasible].max())
