"""The validated, frozen arrays of one off-policy evaluation: what every estimator reads.

Shapes: `reward`, `action`, `pscore` are (n,); `action_dist` and `estimated_rewards` are
(n, n_actions). `action[i]` is a column index into `action_dist`; `pscore[i]` is the logging
policy's probability of that action on row i; `action_dist[i]` is the candidate policy's
distribution on row i's context. Inputs are checked once here, naming the argument and the
offending rows; estimators trust a `Batch` and never check again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
_Array = TypeVar("_Array", bound=npt.NDArray[np.generic])

SUM_TOLERANCE = 1e-6
_SHOWN_ROWS = 10
BLOCK_ROWS = 32768
"""Rows per block of the one pass over `action_dist` and `estimated_rewards`: a block of both
(2.6 MB at 10 actions) stays in the CPU cache while its row sums, its minimum, its q_pi and
the logged action's entries are taken, so each array is read from memory once instead of
five times; blocks this large keep the per-block Python overhead small."""


@dataclass(frozen=True, slots=True, eq=False)
class Batch:
    """Logged rounds plus one candidate's distribution; the derived arrays are computed once.

    `weight` is the importance weight action_dist[i, action[i]] / pscore[i]; `q_pi` is the
    reward model's value of the candidate on row i (computed unless given: `make_batch`
    takes it in its one pass over the arrays) and `q_logged` its prediction for the logged
    action (both None without `estimated_rewards`). Arrays are read-only views. `gathered`
    (optional) is `(weight, q_logged)` as that one pass computed them, so they are not
    gathered twice.
    """

    reward: FloatArray
    action: IntArray
    pscore: FloatArray
    action_dist: FloatArray
    estimated_rewards: FloatArray | None = None
    q_pi: FloatArray | None = field(default=None, repr=False)
    gathered: InitVar[tuple[FloatArray, FloatArray | None] | None] = None
    weight: FloatArray = field(init=False, repr=False)
    q_logged: FloatArray | None = field(init=False, repr=False)
    _derived: dict[str, FloatArray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self, gathered: tuple[FloatArray, FloatArray | None] | None) -> None:
        q = self.estimated_rewards
        if gathered is None:
            # One flat index serves both gathers (faster than fancy 2-D indexing).
            flat = np.arange(0, self.n * self.n_actions, self.n_actions) + self.action
            weight = self.action_dist.ravel()[flat] / self.pscore
            gathered = (weight, None if q is None else q.ravel()[flat])
        weight, q_logged = gathered
        object.__setattr__(self, "weight", _frozen(weight))
        q_pi = self.q_pi
        if q is not None and q_pi is None:
            q_pi = row_facts(self.action_dist, q).q_pi
        object.__setattr__(self, "q_pi", None if q_pi is None else _frozen(q_pi))
        object.__setattr__(self, "q_logged", None if q_logged is None else _frozen(q_logged))

    @property
    def n(self) -> int:
        """Number of logged rounds."""
        return int(self.reward.shape[0])

    @property
    def n_actions(self) -> int:
        """Number of columns of `action_dist`."""
        return int(self.action_dist.shape[1])

    def derived(self, name: str, compute: Callable[[], FloatArray]) -> FloatArray:
        """The per-row array `name` of this batch, computed by `compute` the first time only.

        The estimators' decompositions (`terms.py`) share per-row terms (w r, w (r - q), ...)
        through this, so each is computed once per batch; the arrays are read-only.
        """
        array = self._derived.get(name)
        if array is None:
            array = self._derived[name] = _frozen(compute())
        return array


def make_batch(
    reward: npt.ArrayLike,
    action: npt.ArrayLike,
    pscore: npt.ArrayLike,
    action_dist: npt.ArrayLike,
    estimated_rewards: npt.ArrayLike | None = None,
) -> Batch:
    """Check the arrays and freeze them into a `Batch`.

    Raises `InvalidInput(field, problem, rows=[...])` for: wrong dimensions or mismatched
    lengths, NaN or infinite values, pscore outside (0, 1], action indices outside
    [0, n_actions), negative candidate probabilities, rows of `action_dist` not summing to 1
    (tolerance 1e-6). `rows` lists up to ten offending row indices; `n_rows` counts them all.
    """
    reward_a = _float_array("reward", reward, ndim=1)
    n = reward_a.shape[0]
    if n == 0:
        raise InvalidInput("reward", "is empty; need at least one logged round")
    action_dist_a = _float_array("action_dist", action_dist, ndim=2)
    n_actions = action_dist_a.shape[1]
    pscore_a = _float_array("pscore", pscore, ndim=1)
    action_a = _action_array(action)
    for name, array in (("action", action_a), ("pscore", pscore_a), ("action_dist", action_dist_a)):
        if array.shape[0] != n:
            raise InvalidInput(
                name, f"has {array.shape[0]} rows but reward has {n}; lengths must match"
            )
    # Whole-array reductions first (fast); the per-row masks only when something is wrong.
    if not np.isfinite(reward_a.sum()):
        _reject_rows("reward", ~np.isfinite(reward_a), "must be finite (no NaN or inf)")
    if not (pscore_a.min() > 0 and pscore_a.max() <= 1):
        _reject_rows("pscore", ~(pscore_a > 0) | ~(pscore_a <= 1), "must be in (0, 1]")
    if action_a.min() < 0 or action_a.max() >= n_actions:
        bad = (action_a < 0) | (action_a >= n_actions)
        _reject_rows("action", bad, f"must index 0..{n_actions - 1}")
    q = None
    if estimated_rewards is not None:
        q = _float_array("estimated_rewards", estimated_rewards, ndim=2)
        if q.shape != action_dist_a.shape:
            raise InvalidInput(
                "estimated_rewards",
                f"has shape {q.shape} but action_dist has {action_dist_a.shape}; must match",
            )
        q = _frozen(np.ascontiguousarray(q))
    action_dist_a = np.ascontiguousarray(action_dist_a)
    facts = row_facts(action_dist_a, q, action_a)
    if not facts.sums_to_one or facts.least < 0:
        sums = action_dist_a @ np.ones(n_actions)
        _reject_rows("action_dist", ~np.isfinite(sums), "must be finite (no NaN or inf)")
        negative = rows_where_any(action_dist_a < 0)
        _reject_rows("action_dist", negative, "probabilities must be >= 0")
        _reject_rows(
            "action_dist", np.abs(sums - 1.0) > SUM_TOLERANCE, "rows must sum to 1", sums=sums
        )
    batch = Batch(
        reward=_frozen(reward_a),
        action=_frozen(action_a),
        pscore=_frozen(pscore_a),
        action_dist=_frozen(action_dist_a),
        estimated_rewards=q,
        q_pi=facts.q_pi,
        gathered=None if facts.chosen is None else (facts.weight(pscore_a), facts.q_logged),
    )
    # NaN or inf anywhere in a row of q reaches q_pi (0 * NaN is NaN), so one sum checks it.
    if q is not None and batch.q_pi is not None and not np.isfinite(batch.q_pi.sum()):
        bad = rows_where_any(~np.isfinite(q))
        _reject_rows("estimated_rewards", bad, "must be finite (no NaN or inf)")
    return batch


@dataclass(frozen=True, slots=True)
class RowFacts:
    """What one pass over the rows finds: whether every row of `action_dist` sums to 1 (within
    `SUM_TOLERANCE`; False if a sum is NaN), the least entry of `action_dist`, q_pi (None
    without `estimated_rewards`) and, when the logged actions are given, each row's entries
    of the logged action: `chosen` (of `action_dist`) and `q_logged` (of `estimated_rewards`).
    """

    sums_to_one: bool
    least: float
    q_pi: FloatArray | None
    chosen: FloatArray | None = None
    q_logged: FloatArray | None = None

    def weight(self, pscore: FloatArray) -> FloatArray:
        """chosen / pscore, the importance weights, computed in `chosen`'s memory."""
        if self.chosen is None:
            raise ValueError("row_facts was not given the logged actions")
        return np.divide(self.chosen, pscore, out=self.chosen)


def row_facts(
    action_dist: FloatArray,
    estimated_rewards: FloatArray | None,
    action: IntArray | None = None,
) -> RowFacts:
    """The row-sum check, the minimum and q_pi of C-contiguous (n, k) arrays, and with
    `action` (valid column indices) the logged action's entries, block by block (the values
    are those of whole-array `@ ones`, `min()`, `einsum` and fancy indexing, bit for bit)."""
    n, k = action_dist.shape
    q = estimated_rewards
    ones = np.ones(k)
    sums = np.empty(min(n, BLOCK_ROWS))
    q_pi = None if q is None else np.empty(n)
    chosen = None if action is None else np.empty(n)
    q_logged = None if action is None or q is None else np.empty(n)
    offsets = np.arange(0, sums.shape[0] * k, k)
    flat = np.empty(sums.shape[0], dtype=np.int64)
    least = math.inf
    sums_to_one = True
    for start in range(0, n, BLOCK_ROWS):
        stop = min(n, start + BLOCK_ROWS)
        block = action_dist[start:stop]
        block_sums = np.matmul(block, ones, out=sums[: stop - start])
        np.subtract(block_sums, 1.0, out=block_sums)
        sums_to_one &= bool(np.abs(block_sums, out=block_sums).max() <= SUM_TOLERANCE)
        least = min(least, float(block.min()))
        if q_pi is not None and q is not None:
            np.einsum("ij,ij->i", block, q[start:stop], out=q_pi[start:stop])
        if chosen is not None and action is not None:
            index = np.add(offsets[: stop - start], action[start:stop], out=flat[: stop - start])
            np.take(block.ravel(), index, out=chosen[start:stop], mode="clip")
            if q_logged is not None and q is not None:
                np.take(q[start:stop].ravel(), index, out=q_logged[start:stop], mode="clip")
    return RowFacts(sums_to_one, least, q_pi, chosen, q_logged)


def rows_where_any(mask: BoolArray) -> BoolArray:
    """Per row of a 2-D mask, whether any of its entries is set: an (n,) mask."""
    # numpy's stubs type `any(axis=1)` as "a scalar or an array"; with a 2-D mask it is the latter.
    return np.asarray(mask.any(axis=1))


def bad_rows_message(mask: BoolArray) -> tuple[list[int], str]:
    """The first offending row indices and a phrase naming them, e.g. 'rows [3, 7] (2 of 10)'."""
    rows = np.flatnonzero(mask)
    shown = [int(r) for r in rows[:_SHOWN_ROWS]]
    more = ", ..." if rows.size > _SHOWN_ROWS else ""
    return shown, f"rows {str(shown)[:-1]}{more}] ({rows.size} of {mask.size})"


def _reject_rows(
    name: str,
    mask: BoolArray,
    problem: str,
    sums: FloatArray | None = None,
) -> None:
    if not mask.any():
        return
    rows, phrase = bad_rows_message(mask)
    got = ""
    if sums is not None:
        got = f"; got sums {[round(float(s), 6) for s in sums[rows[:3]]]}"
    raise InvalidInput(name, f"{problem}: {phrase}{got}", rows=rows, n_rows=int(mask.sum()))


def _float_array(name: str, values: npt.ArrayLike, ndim: int) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidInput(name, f"must be numeric: {error}") from None
    if array.ndim != ndim:
        raise InvalidInput(name, f"must be {ndim}-dimensional, got shape {array.shape}")
    return array


def _action_array(values: npt.ArrayLike) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInput("action", f"must be 1-dimensional, got shape {array.shape}")
    if array.dtype.kind == "f":
        fractional = ~np.isfinite(array) | (array != np.round(array))
        _reject_rows("action", fractional, "must be integer column indices")
    elif array.dtype.kind not in "iu":
        raise InvalidInput("action", f"must be integer column indices, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _frozen(array: _Array) -> _Array:
    view = array.view()
    view.flags.writeable = False
    return view
