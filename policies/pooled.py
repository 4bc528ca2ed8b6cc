"""Pooled ridge: one ridge regression per offer, shrunk toward a model of all offers together.

Made for rewards that are noisy, late and value-weighted (`retention_value`): a retention
answer is kept-or-lost times the customer's value, so an offer's effect of tens is buried in
a per-customer spread of hundreds, and an online learner that takes one gradient step per
answer cannot see it (benchmarks/retention_learners.py). This policy keeps the exact
least-squares statistics of every answer instead (`XᵀX`, `Xᵀy` per offer and pooled), so
each refit is the batch solution over all answers so far, not the last few:

- **pooling**: `θ_pool` is fitted on every answer of every offer. Each offer's `θ_a`
  minimises its own squared error plus `pooling · Σ_k var_k (θ_a,k - θ_pool,k)²`: the
  offer starts as "like the average offer" and departs from it as its own answers
  accumulate, `pooling` being the prior's weight in answers. What all offers share (how far
  the churn score's baseline misjudges a customer) is learned from all answers at once;
  each offer only learns how it differs. The penalty is on each feature's variance in the
  data (`var_k`), so it does not depend on the units of a field; the constant is not
  shrunk, so an offer's mean effect is its own.
- **exploration where the effect is uncertain**: an offer's score is its estimate plus
  `alpha * sigma * sqrt(xᵀ M_a⁻¹ x)` (sigma the residual spread of the pooled fit, `M_a` the
  offer's penalised matrix): a rarely tried offer or an unusual customer gets an optimistic
  score; then `1 - epsilon` goes to the best score and `epsilon / K` to each candidate,
  so every logged propensity is above zero and exact.
- **features**: the shared encoding (`policies.encoding.shared_features`: numbers as they
  are, strings and bools one-hot, the churn score and its decile), indexed by name in the
  order first seen, at most `max_features` (further names are ignored and counted in
  `ignored_features`). Offers are told apart by id, so action features are not used.

Refits happen inside `learn`, once `refit_every` answers have arrived since the last, so
`rank` is pure between learns and `load(save())` ranks exactly as before. Saved with
`np.savez` (no pickle).
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from policies._validate import boolean, candidates_given, event_label, integer, real
from policies.base import Candidate, Context, Event, Ranking, Reason
from policies.encoding import shared_features
from policies.errors import InvalidModel

__all__ = ["PooledRidge"]

_FORMAT = "nba-pooled-ridge-1"
_CONSTANT = "Constant"
_TINY = 1e-6
"""Added to every diagonal: keeps collinear one-hot groups (a decile and the constant) solvable."""

Vector = npt.NDArray[np.float64]
Matrix = npt.NDArray[np.float64]


@dataclass(slots=True)
class _Stats:
    """Least-squares statistics of the answers of one offer (or of all offers)."""

    xx: Matrix
    xy: Vector
    x: Vector
    yy: float = 0.0
    n: float = 0.0

    @classmethod
    def empty(cls, dim: int) -> _Stats:
        return cls(np.zeros((dim, dim)), np.zeros(dim), np.zeros(dim))

    def grown(self, dim: int) -> _Stats:
        """The same statistics over `dim` features (new features have seen only zeros)."""
        old = len(self.xy)
        if dim == old:
            return self
        xx = np.zeros((dim, dim))
        xx[:old, :old] = self.xx
        pad = (0, dim - old)
        return _Stats(xx, np.pad(self.xy, pad), np.pad(self.x, pad), self.yy, self.n)

    def add(self, rows: Matrix, rewards: Vector, weights: Vector) -> None:
        weighted = rows * weights[:, None]
        self.xx += weighted.T @ rows
        self.xy += weighted.T @ rewards
        self.x += weighted.sum(axis=0)
        self.yy += float(weights @ (rewards * rewards))
        self.n += float(weights.sum())


@dataclass(slots=True)
class _Fit:
    """The solution of the last refit: pooled and per-offer weights, inverses for widths."""

    pooled: Vector
    sigma: float
    prior_inverse: Matrix
    theta: dict[str, Vector] = field(default_factory=dict)
    inverse: dict[str, Matrix] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Params:
    pooling: float
    alpha: float
    epsilon: float
    max_features: int
    refit_every: int
    importance_weighting: bool


class PooledRidge:
    """Per-offer ridge regressions shrunk toward a pooled fit; optimistic where uncertain."""

    name = "pooled-ridge"
    explores_new_offers = True
    """A new offer's constant is unknown, so its optimistic score leads until it is tried."""

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        pooling: float = 10_000.0,
        alpha: float = 1.0,
        epsilon: float = 0.02,
        max_features: int = 256,
        refit_every: int = 16,
        importance_weighting: bool = False,
    ) -> None:
        """Validate the parameters (InvalidParameter naming the first bad one). `rng` is
        accepted like every policy's; nothing here is drawn at random."""
        self._params = _Params(
            pooling=real("pooling", pooling, 0.0, 1e9),
            alpha=real("alpha", alpha, 0.0, 1e3),
            epsilon=real("epsilon", epsilon, 0.0, 1.0, open_low=True),
            max_features=integer("max_features", max_features, 1, 4096),
            refit_every=integer("refit_every", refit_every, 1, 1_000_000),
            importance_weighting=boolean("importance_weighting", importance_weighting),
        )
        self._index: dict[str, int] = {_CONSTANT: 0}
        self._pooled = _Stats.empty(1)
        self._offers: dict[str, _Stats] = {}
        self._since_refit = 0
        self.ignored_features = 0
        self._fit = self._solve()

    @property
    def params(self) -> dict[str, object]:
        """The constructor arguments, validated."""
        p = self._params
        return {
            "pooling": p.pooling,
            "alpha": p.alpha,
            "epsilon": p.epsilon,
            "max_features": p.max_features,
            "refit_every": p.refit_every,
            "importance_weighting": p.importance_weighting,
        }

    # -- ranking -----------------------------------------------------------------------

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Greedy on the optimistic score with the epsilon floor; scores are the estimates."""
        candidates_given(candidates)
        x = self._vector(context, grow=False)
        mean, width = self._estimates(x, candidates)
        optimistic = mean + self._params.alpha * self._fit.sigma * width
        best = optimistic >= optimistic.max() - 1e-12
        eps = self._params.epsilon
        probs = (1.0 - eps) * best / best.sum() + eps / len(candidates)
        probs /= probs.sum()
        return Ranking(
            offer_ids=tuple(c.offer_id for c in candidates),
            probabilities=tuple(float(p) for p in probs),
            scores=tuple(float(m) for m in mean),
        )

    def explain(
        self, context: Context, candidates: Sequence[Candidate], index: int, top: int = 5
    ) -> tuple[Reason, ...]:
        """The features that set candidate `index`'s estimate apart from the others' mean."""
        candidates_given(candidates)
        if len(candidates) < 2:
            return ()
        x = self._vector(context, grow=False)
        thetas = np.array([self._theta(c.offer_id) for c in candidates])
        others = np.delete(thetas, index, axis=0).mean(axis=0)
        parts = x * (thetas[index] - others)
        values = dict(context.features)
        names = self._names()
        reasons: list[Reason] = []
        for k in np.argsort(-np.abs(parts)):
            if len(reasons) == top or parts[k] == 0.0:
                break
            name = names[k]
            if name == _CONSTANT:
                reasons.append(
                    Reason("offer", float(parts[k]), "offer", candidates[index].offer_id)
                )
                continue
            feature, _, _ = name.partition("=")
            if feature in ("churn", "churn_dec"):
                score = context.churn_score
                reasons.append(Reason("churn_score", float(parts[k]), "churn_score", score))
                continue
            reasons.append(Reason(feature, float(parts[k]), "context", values.get(feature)))
        return tuple(reasons)

    # -- learning ----------------------------------------------------------------------

    def learn(self, events: Iterable[Event]) -> None:
        """Add each answer to its offer's statistics and the pooled ones; refit when due."""
        iterator = iter(events)
        while chunk := list(itertools.islice(iterator, 1024)):
            # Validate and encode a whole chunk before changing anything.
            labelled = [(event, *event_label(event)) for event in chunk]
            rows = [self._vector(e.context, grow=True) for e, *_ in labelled]
            dim = len(self._index)
            matrix = np.zeros((len(rows), dim))
            for r, row in enumerate(rows):
                matrix[r, : len(row)] = row
            rewards = np.array([-cost for _, _, cost, _ in labelled])
            weights = np.array(
                [1.0 / p if self._params.importance_weighting else 1.0 for *_, p in labelled]
            )
            offers = [e.candidates[chosen].offer_id for e, chosen, _, _ in labelled]
            self._pooled = self._pooled.grown(dim)
            self._pooled.add(matrix, rewards, weights)
            for offer_id in dict.fromkeys(offers):
                picked = np.array([o == offer_id for o in offers])
                stats = self._offers.get(offer_id, _Stats.empty(dim)).grown(dim)
                stats.add(matrix[picked], rewards[picked], weights[picked])
                self._offers[offer_id] = stats
            self._since_refit += len(chunk)
            if self._since_refit >= self._params.refit_every:
                self._fit = self._solve()
                self._since_refit = 0

    # -- persistence -------------------------------------------------------------------

    def save(self) -> bytes:
        """Statistics, feature names and the current solution, as `np.savez` bytes."""
        ids = sorted(self._offers)
        dim = len(self._index)
        offers = [self._offers[i].grown(dim) for i in ids]
        fit = self._fit
        fitted = sorted(fit.theta)
        fit_dim = len(fit.pooled)
        meta = {
            "format": _FORMAT,
            "names": self._names(),
            "since_refit": self._since_refit,
            "ignored_features": self.ignored_features,
            "sigma": fit.sigma,
            "fitted": fitted,
        }
        buffer = io.BytesIO()
        np.savez(
            buffer,
            meta=np.array(json.dumps(meta)),
            ids=np.array(ids, dtype=str),
            xx=np.array([s.xx for s in offers]).reshape(len(ids), dim, dim),
            xy=np.array([s.xy for s in offers]).reshape(len(ids), dim),
            x=np.array([s.x for s in offers]).reshape(len(ids), dim),
            yy=np.array([s.yy for s in offers]),
            n=np.array([s.n for s in offers]),
            pooled_xx=self._pooled.grown(dim).xx,
            pooled_xy=self._pooled.grown(dim).xy,
            pooled_x=self._pooled.grown(dim).x,
            pooled_yn=np.array([self._pooled.yy, self._pooled.n]),
            fit_pooled=fit.pooled,
            fit_prior=fit.prior_inverse,
            fit_theta=np.array([fit.theta[i] for i in fitted]).reshape(len(fitted), fit_dim),
            fit_inverse=np.array([fit.inverse[i] for i in fitted]).reshape(
                len(fitted), fit_dim, fit_dim
            ),
        )
        return buffer.getvalue()

    def load(self, data: bytes) -> None:
        """Restore what `save` wrote (InvalidModel for anything else)."""
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidModel("must be non-empty bytes from save()")
        try:
            with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                arrays = {key: f[key] for key in f.files if key != "meta"}
        except (ValueError, OSError, KeyError) as error:
            raise InvalidModel(f"not a saved pooled-ridge policy ({error})") from error
        if not isinstance(meta, dict) or meta.get("format") != _FORMAT:
            raise InvalidModel(f"expected {_FORMAT}, got {meta!r}")
        try:
            names = [str(n) for n in meta["names"]]
            ids = [str(i) for i in arrays["ids"]]
            fitted = [str(i) for i in meta["fitted"]]
            dim = len(names)
            offers = {
                offer_id: _Stats(
                    _floats(arrays["xx"][k], (dim, dim)),
                    _floats(arrays["xy"][k], (dim,)),
                    _floats(arrays["x"][k], (dim,)),
                    float(arrays["yy"][k]),
                    float(arrays["n"][k]),
                )
                for k, offer_id in enumerate(ids)
            }
            yy, n = (float(v) for v in arrays["pooled_yn"])
            pooled = _Stats(
                _floats(arrays["pooled_xx"], (dim, dim)),
                _floats(arrays["pooled_xy"], (dim,)),
                _floats(arrays["pooled_x"], (dim,)),
                yy,
                n,
            )
            fit = _Fit(
                pooled=arrays["fit_pooled"].astype(np.float64),
                sigma=float(meta["sigma"]),
                prior_inverse=arrays["fit_prior"].astype(np.float64),
                theta={i: arrays["fit_theta"][k].astype(np.float64) for k, i in enumerate(fitted)},
                inverse={
                    i: arrays["fit_inverse"][k].astype(np.float64) for k, i in enumerate(fitted)
                },
            )
            since, ignored = int(meta["since_refit"]), int(meta["ignored_features"])
        except (KeyError, ValueError, TypeError, IndexError) as error:
            raise InvalidModel(f"a damaged pooled-ridge model ({error})") from error
        if not names or names[0] != _CONSTANT or len(set(names)) != len(names):
            raise InvalidModel("a damaged pooled-ridge model (feature names)")
        self._index = {name: k for k, name in enumerate(names)}
        self._offers, self._pooled, self._fit = offers, pooled, fit
        self._since_refit, self.ignored_features = since, ignored

    # -- internals ---------------------------------------------------------------------

    def _names(self) -> list[str]:
        return sorted(self._index, key=self._index.__getitem__)

    def _vector(self, context: Context, *, grow: bool) -> Vector:
        """The context as a dense row over the known features (new ones added if `grow`)."""
        encoded = shared_features(context)
        if grow:
            for name, _ in encoded:
                if name not in self._index:
                    if len(self._index) > self._params.max_features:
                        self.ignored_features += 1
                        continue
                    self._index[name] = len(self._index)
        row = np.zeros(len(self._index))
        row[0] = 1.0
        for name, value in encoded:
            k = self._index.get(name)
            if k is not None:
                row[k] += value
        return row

    def _theta(self, offer_id: str) -> Vector:
        return self._fit.theta.get(offer_id, self._fit.pooled)

    def _estimates(self, x: Vector, candidates: Sequence[Candidate]) -> tuple[Vector, Vector]:
        """Each candidate's estimate x·θ_a and width sqrt(xᵀM_a⁻¹x) on the fitted features."""
        fit = self._fit
        x = x[: len(fit.pooled)]
        mean = np.empty(len(candidates))
        width = np.empty(len(candidates))
        for i, candidate in enumerate(candidates):
            theta = fit.theta.get(candidate.offer_id, fit.pooled)
            inverse = fit.inverse.get(candidate.offer_id, fit.prior_inverse)
            mean[i] = x @ theta
            width[i] = np.sqrt(max(float(x @ inverse @ x), 0.0))
        return mean, width

    def _solve(self) -> _Fit:
        """Refit: the pooled model, then every offer's, shrunk toward it."""
        dim = len(self._index)
        pooled = self._pooled.grown(dim)
        self._pooled = pooled
        n = max(pooled.n, 1.0)
        mean = pooled.x / n
        variance = np.maximum(np.diag(pooled.xx) / n - mean * mean, 0.0)
        variance[0] = 0.0  # the constant is not shrunk toward the pooled fit
        penalty = np.diag(self._params.pooling * variance + _TINY)
        eye = _TINY * np.eye(dim)
        theta_pool = _solved(pooled.xx + 1e-3 * np.diag(variance) + eye, pooled.xy)
        residual = pooled.yy - 2.0 * theta_pool @ pooled.xy + theta_pool @ pooled.xx @ theta_pool
        spread = max(float(residual), 0.0) / pooled.n if pooled.n > dim else 1.0
        sigma = float(np.sqrt(spread))
        prior_inverse = _inverse(penalty + eye)
        fit = _Fit(theta_pool, sigma, prior_inverse)
        pulled = penalty @ theta_pool
        for offer_id, stats in self._offers.items():
            stats = self._offers[offer_id] = stats.grown(dim)
            inverse = _inverse(stats.xx + penalty + eye)
            fit.theta[offer_id] = inverse @ (stats.xy + pulled)
            fit.inverse[offer_id] = inverse
        return fit


def _floats(array: npt.NDArray[np.generic], shape: tuple[int, ...]) -> Matrix:
    return np.asarray(array, dtype=np.float64).reshape(shape)


def _solved(matrix: Matrix, vector: Vector) -> Vector:
    return np.asarray(np.linalg.solve(matrix, vector), dtype=np.float64)


def _inverse(matrix: Matrix) -> Matrix:
    return np.asarray(np.linalg.inv(matrix), dtype=np.float64)
