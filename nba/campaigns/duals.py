"""The budgeted assignment: Lagrangian dual prices, one per budgeted offer, then row by row.

Each customer i gets one offer a (no_action always possible) to maximise the total expected
reward sum r[i, a] under caps on each budgeted offer's expected accepts, sum p[i, a] <= cap[a]
(a money budget is a cap on accepts too: money / cost per accept). With a price lambda[a] >= 0
per budget, customer i takes argmax_a r[i, a] - lambda[a] p[i, a]: a rule applied to any row
alone, so prices found on the whole file or a large sample assign a file of any size in one
pass.

Prices are found one budget at a time, the others held: the customers that take offer a at
price lambda are those whose break-even price (r[i, a] - best other) / p[i, a] exceeds it, so
its use falls as the price rises; the price is the root of use = cap, found exactly by sorting
the break-even prices (the point bisection would converge to, in one step). The rounds
repeat until no price moves and every cap holds; should they cycle, prices then only rise
until every cap holds. Customers whose break-even prices tie
cannot be split by a price, so rewards should carry a tiny tie-break (`draws.tie_breaks`):
under the acceptance reward, a budget on accepts otherwise ties every customer whose other
choice is no_action at price 1. `dual_bound` is the Lagrangian dual's value at the prices, an
upper bound on the best possible total (weak duality): the gap to the total reached
certifies how close to optimal the assignment is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_ROUNDS = 50
MAX_REPAIRS = 200
_RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Solution:
    """Prices per offer (0 where unbudgeted), their use and total, and the dual bound."""

    prices: FloatArray
    use: FloatArray
    total: float
    dual_bound: float
    rounds: int

    @property
    def gap(self) -> float:
        """Dual bound minus total reached: how much better any assignment could do, at most."""
        return max(self.dual_bound - self.total, 0.0)


def choose(rewards: FloatArray, accepts: FloatArray, prices: FloatArray) -> IntArray:
    """Each row's offer at these prices: argmax of reward minus price times accepts.

    `rewards` is -inf where an offer is not eligible; ties go to the lower column.
    """
    return np.argmax(rewards - accepts * prices, axis=1).astype(np.int64)


def use_of(accepts: FloatArray, chosen: IntArray, k: int) -> FloatArray:
    """Expected accepts of each offer when row i takes `chosen[i]`."""
    rows = np.arange(len(chosen))
    return np.bincount(chosen, weights=accepts[rows, chosen], minlength=k).astype(np.float64)


def solve(rewards: FloatArray, accepts: FloatArray, caps: FloatArray) -> Solution:
    """Prices that keep every offer's expected accepts within `caps` (inf: no cap).

    Shapes: rewards and accepts (n, k); caps (k,). Column 0 must be eligible for every row
    and accept nothing (no_action), so that every cap >= 0 can be met.
    """
    n, k = rewards.shape
    prices = np.zeros(k)
    chosen = choose(rewards, accepts, prices)
    use = use_of(accepts, chosen, k)
    budgeted = [a for a in range(k) if np.isfinite(caps[a])]
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        moved = 0.0
        for a in budgeted:
            new = _price_for(rewards, accepts, prices, a, float(caps[a]))
            moved = max(moved, abs(new - prices[a]) / max(1.0, abs(new)))
            prices[a] = new
        chosen = choose(rewards, accepts, prices)
        use = use_of(accepts, chosen, k)
        if moved <= _RELATIVE_TOLERANCE and np.all(use <= caps * (1 + 1e-12)):
            break
    # Coordinate steps can cycle between two budgeted offers that are each other's next best
    # choice for some customers; then prices only rise from here, each over-used one to where
    # its cap holds and by a step that doubles every time, until every cap holds.
    step = np.full(k, 1e-9)
    for _ in range(MAX_REPAIRS):
        over = [a for a in budgeted if use[a] > caps[a] * (1 + 1e-12)]
        if not over:
            break
        for a in over:
            needed = _price_for(rewards, accepts, prices, a, float(caps[a]))
            prices[a] = max(needed, prices[a] + step[a] * max(1.0, abs(prices[a])))
            step[a] *= 2.0
        chosen = choose(rewards, accepts, prices)
        use = use_of(accepts, chosen, k)
    rows = np.arange(n)
    total = float(rewards[rows, chosen].sum()) if n else 0.0
    return Solution(prices, use, total, dual_bound(rewards, accepts, caps, prices), rounds)


def dual_bound(
    rewards: FloatArray, accepts: FloatArray, caps: FloatArray, prices: FloatArray
) -> float:
    """sum_i max_a (r - lambda p) + sum_a lambda cap: no assignment within the caps beats it."""
    if len(rewards) == 0:
        return 0.0
    best = (rewards - accepts * prices).max(axis=1).sum()
    budget = np.where(np.isfinite(caps), caps, 0.0) * prices
    return float(best + budget.sum())


def _price_for(
    rewards: FloatArray, accepts: FloatArray, prices: FloatArray, a: int, cap: float
) -> float:
    """The lowest price of offer a whose use is within `cap`, the other prices held."""
    adjusted = rewards - accepts * prices
    adjusted[:, a] = -np.inf
    other = adjusted.max(axis=1)
    gain = rewards[:, a] - other  # what offer a is worth over the best other, at price 0
    p = accepts[:, a]
    takes = np.isfinite(rewards[:, a]) & (gain > 0) & (p > 0)
    if p[takes].sum() <= cap:
        return 0.0
    breakeven = gain[takes] / p[takes]
    order = np.argsort(-breakeven, kind="stable")
    used = np.cumsum(p[takes][order])
    fits = int(np.searchsorted(used, cap, side="right"))  # the first `fits` stay within cap
    # Just above the break-even of the first customer who does not fit: they and all below
    # them leave offer a; ties at that price leave together (under-use, never over-use).
    price = float(breakeven[order][fits])
    # A relative margin well above rounding (r - price p is computed in floating point) and
    # well below the tie-breaks' spacing (1e-9 of a reward).
    return price + abs(price) * 1e-12 + 1e-15
