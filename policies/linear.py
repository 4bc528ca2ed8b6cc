"""Numpy linear bandits on the shared hashed encoding: disjoint LinUCB and linear Thompson.

Both keep one ridge model per offer id over `NumericEncoder` vectors (the features VW sees:
shared, action and shared-by-action products). With forgetting `gamma` < 1 an offer's
statistics are discounted each time that offer is updated (old evidence fades, the ridge
prior stays). Models are saved with `np.savez` (no pickle). An updated offer's dim x dim
matrix is inverted when next ranked: keep `dim` at 64 or below on small machines, where
numpy's threaded BLAS took ~13 ms for a 128 x 128 inverse against ~0.2 ms for 64 x 64.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from policies._validate import boolean, candidates_given, event_label, integer, real
from policies.base import Candidate, Context, Event, Ranking
from policies.encoding import NumericEncoder, event_lines
from policies.errors import InvalidModel

__all__ = ["LinUCB", "LinearThompson"]

_FORMAT = "nba-linear-1"


class _DisjointRidge:
    """Per-offer ridge regressions with lazily refreshed inverses."""

    def __init__(self, dim: int, ridge: float, gamma: float) -> None:
        self.dim, self.ridge, self.gamma = dim, ridge, gamma
        self.a: dict[str, npt.NDArray[np.float64]] = {}
        self.b: dict[str, npt.NDArray[np.float64]] = {}
        self._solved: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = {}

    def update(
        self, offer_id: str, x: npt.NDArray[np.float64], reward: float, weight: float
    ) -> None:
        eye = np.eye(self.dim)
        a = self.a.get(offer_id, self.ridge * eye)
        b = self.b.get(offer_id, np.zeros(self.dim))
        if self.gamma < 1.0:
            a = self.gamma * a + (1.0 - self.gamma) * self.ridge * eye
            b = self.gamma * b
        self.a[offer_id] = a + weight * np.outer(x, x)
        self.b[offer_id] = b + weight * reward * x
        self._solved.pop(offer_id, None)

    def solved(self, offer_id: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(A⁻¹, θ) of one offer; the prior (I/ridge, 0) for an unseen offer."""
        if offer_id not in self.a:
            return np.eye(self.dim) / self.ridge, np.zeros(self.dim)
        if offer_id not in self._solved:
            inverse = np.asarray(np.linalg.inv(self.a[offer_id]), dtype=np.float64)
            self._solved[offer_id] = inverse, inverse @ self.b[offer_id]
        return self._solved[offer_id]

    def mean_and_width(
        self, x: npt.NDArray[np.float64], candidates: Sequence[Candidate]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Predicted reward x·θ and uncertainty sqrt(xᵀA⁻¹x) for each row of x."""
        mean = np.empty(len(candidates))
        width = np.empty(len(candidates))
        for i, candidate in enumerate(candidates):
            inverse, theta = self.solved(candidate.offer_id)
            mean[i] = x[i] @ theta
            width[i] = np.sqrt(max(float(x[i] @ inverse @ x[i]), 0.0))
        return mean, width

    def to_bytes(self, meta: dict[str, object]) -> bytes:
        ids = sorted(self.a)
        buffer = io.BytesIO()
        np.savez(
            buffer,
            meta=np.array(json.dumps(meta)),
            ids=np.array(ids, dtype=str),
            a=np.array([self.a[i] for i in ids]).reshape(len(ids), self.dim, self.dim),
            b=np.array([self.b[i] for i in ids]).reshape(len(ids), self.dim),
        )
        return buffer.getvalue()

    def from_bytes(self, data: bytes) -> int:
        """Restore the statistics from `to_bytes` output; returns the saved seed."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                ids, a, b = [str(i) for i in f["ids"]], f["a"], f["b"]
        except (ValueError, OSError, KeyError) as error:
            raise InvalidModel(f"not a saved linear policy ({error})") from error
        if (
            not isinstance(meta, dict)
            or meta.get("format") != _FORMAT
            or type(meta.get("seed")) is not int
            or a.shape != (len(ids), self.dim, self.dim)
        ):
            raise InvalidModel(f"expected {_FORMAT} with dim {self.dim}, got {meta}")
        self.a = {i: a[k].astype(np.float64) for k, i in enumerate(ids)}
        self.b = {i: b[k].astype(np.float64) for k, i in enumerate(ids)}
        self._solved.clear()
        return int(meta["seed"])


@dataclass(frozen=True, slots=True)
class _Shared:
    """The validated parameters LinUCB and LinearThompson share."""

    ridge: float
    gamma: float
    epsilon: float
    dim: int
    interactions: bool
    importance_weighting: bool

    @classmethod
    def checked(
        cls,
        *,
        ridge: object,
        gamma: object,
        epsilon: object,
        dim: object,
        interactions: object,
        importance_weighting: object,
    ) -> _Shared:
        """Validate each value (InvalidParameter naming the first bad one)."""
        return cls(
            dim=integer("dim", dim, 8, 1024),
            ridge=real("ridge", ridge, 0.0, 1e6, open_low=True),
            gamma=real("gamma", gamma, 0.0, 1.0, open_low=True),
            epsilon=real("epsilon", epsilon, 0.0, 1.0, open_low=True),
            importance_weighting=boolean("importance_weighting", importance_weighting),
            interactions=boolean("interactions", interactions),
        )

    def as_params(self) -> dict[str, object]:
        """The shared constructor arguments, by name."""
        return {
            "ridge": self.ridge,
            "gamma": self.gamma,
            "epsilon": self.epsilon,
            "dim": self.dim,
            "interactions": self.interactions,
            "importance_weighting": self.importance_weighting,
        }


class _Linear:
    """What LinUCB and LinearThompson share: encoding, learning and persistence."""

    name = "linear"
    # Tried and left out: with one ridge model per offer over raw, hashed features, one-hot
    # groups (the churn band) are collinear with each offer's constant and large products
    # (tenure x points) take the weight, so per-feature parts were large and of opposite signs.
    cannot_explain = (
        "the linear bandits keep one model per offer over hashed features, whose weights "
        "cannot be attributed to single features reliably"
    )

    def __init__(self, rng: np.random.Generator | None, shared: _Shared) -> None:
        self._shared = shared
        self._encoder = NumericEncoder(shared.dim, shared.interactions)
        self._model = _DisjointRidge(self._encoder.dim, shared.ridge, shared.gamma)
        rng = rng if rng is not None else np.random.default_rng()
        self._seed = int(rng.integers(0, 2**63 - 1))

    def _floor(self, greedy: npt.NDArray[np.float64]) -> tuple[float, ...]:
        eps = self._shared.epsilon
        probs = (1.0 - eps) * greedy + eps / len(greedy)
        return tuple(float(p) for p in probs / probs.sum())

    def learn(self, events: Iterable[Event]) -> None:
        """Update the chosen offers' ridge models (rewards weighted by 1/propensity if set)."""
        iterator = iter(events)
        weighted = self._shared.importance_weighting
        while chunk := list(itertools.islice(iterator, 1024)):
            # Validate and encode a chunk before updating anything, as VWPolicy does.
            batch = []
            for event in chunk:
                chosen, cost, propensity = event_label(event)
                x = self._encoder.encode(event.context, [event.candidates[chosen]])[0]
                weight = 1.0 / propensity if weighted else 1.0
                batch.append((event.candidates[chosen].offer_id, x, -cost, weight))
            for offer_id, x, reward, weight in batch:
                self._model.update(offer_id, x, reward, weight)

    def save(self) -> bytes:
        """The per-offer statistics and the seed, as `np.savez` bytes."""
        return self._model.to_bytes({"format": _FORMAT, "seed": self._seed})

    def load(self, data: bytes) -> None:
        """Restore statistics and seed saved by a policy with the same `dim` (else InvalidModel)."""
        if not isinstance(data, bytes | bytearray) or not data:
            raise InvalidModel("must be non-empty bytes from save()")
        self._seed = self._model.from_bytes(bytes(data))


class LinUCB(_Linear):
    """Disjoint LinUCB: greedy on x·θ + alpha·sqrt(xᵀA⁻¹x) with an epsilon floor.

    Probabilities: `1 - epsilon` split over the offers with the highest UCB, plus
    `epsilon / K` each, so every logged propensity is > 0. Scores: the predicted reward x·θ.
    """

    name = "linucb"

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        alpha: float = 1.0,
        ridge: float = 1.0,
        gamma: float = 1.0,
        epsilon: float = 0.05,
        dim: int = 64,
        interactions: bool = True,
        importance_weighting: bool = False,
    ) -> None:
        """Validate the parameters (InvalidParameter naming the first bad one)."""
        self._alpha = real("alpha", alpha, 0.0, 1e6)
        shared = _Shared.checked(
            ridge=ridge,
            gamma=gamma,
            epsilon=epsilon,
            dim=dim,
            interactions=interactions,
            importance_weighting=importance_weighting,
        )
        super().__init__(rng, shared)

    @property
    def params(self) -> dict[str, object]:
        """The constructor arguments, validated."""
        return {"alpha": self._alpha, **self._shared.as_params()}

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Greedy-on-UCB probabilities with the epsilon floor; scores are x·θ."""
        candidates_given(candidates)
        x = self._encoder.encode(context, candidates)
        mean, width = self._model.mean_and_width(x, candidates)
        ucb = mean + self._alpha * width
        best = ucb >= ucb.max() - 1e-12
        return Ranking(
            offer_ids=tuple(c.offer_id for c in candidates),
            probabilities=self._floor(best / best.sum()),
            scores=tuple(float(m) for m in mean),
        )


class LinearThompson(_Linear):
    """Linear Thompson sampling: θ ~ N(θ̂, v²A⁻¹) per offer, probabilities by Monte Carlo.

    `rank` estimates each offer's chance of drawing the highest reward from `draws` samples of
    a Generator seeded by the policy's seed and a hash of the encoded decision, so the same
    decision always gets the same probabilities (pure and reproducible). `epsilon / K` is
    mixed in so propensities stay > 0. Scores: the posterior mean reward x·θ̂.
    """

    name = "lints"

    def __init__(
        self,
        rng: np.random.Generator | None = None,
        *,
        v: float = 0.25,
        ridge: float = 1.0,
        gamma: float = 1.0,
        epsilon: float = 0.05,
        draws: int = 512,
        dim: int = 64,
        interactions: bool = True,
        importance_weighting: bool = False,
    ) -> None:
        """Validate the parameters (InvalidParameter naming the first bad one)."""
        self._v = real("v", v, 0.0, 1e6)
        self._draws = integer("draws", draws, 1, 1_000_000)
        shared = _Shared.checked(
            ridge=ridge,
            gamma=gamma,
            epsilon=epsilon,
            dim=dim,
            interactions=interactions,
            importance_weighting=importance_weighting,
        )
        super().__init__(rng, shared)

    @property
    def params(self) -> dict[str, object]:
        """The constructor arguments, validated."""
        return {"v": self._v, "draws": self._draws, **self._shared.as_params()}

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Monte-Carlo Thompson probabilities with the epsilon floor; scores are x·θ̂."""
        candidates_given(candidates)
        x = self._encoder.encode(context, candidates)
        mean, width = self._model.mean_and_width(x, candidates)
        # Models are disjoint, so the sampled rewards x·θ_a are independent normals.
        digest = hashlib.blake2b(
            "\n".join(event_lines(context, candidates)).encode("utf-8", "replace"), digest_size=8
        ).digest()
        draws = np.random.Generator(np.random.PCG64([self._seed, int.from_bytes(digest)]))
        n = self._draws
        sampled = mean + self._v * width * draws.standard_normal((n, len(candidates)))
        wins = np.bincount(np.argmax(sampled, axis=1), minlength=len(candidates))
        return Ranking(
            offer_ids=tuple(c.offer_id for c in candidates),
            probabilities=self._floor(wins / n),
            scores=tuple(float(m) for m in mean),
        )
