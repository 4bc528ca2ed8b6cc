"""Candidate policies to evaluate on a decision log, each giving (n, n_offers) probabilities.

Spec strings (the CLI's `--policy`):

- `random`: uniform over each row's eligible offers
- `rules` or `rules:FILE.yaml|json`: churn-band rules (see `RulesCandidate`)
- `table:FILE.csv|parquet`: precomputed probabilities, columns decision_id, offer_id,
  probability
- `policy:NAME[,key=value...]`: a `policies` learner trained on the log itself with
  progressive validation: row i is scored by a model that learned only rows before i
- `model:FILE`: a saved model, a JSON envelope {"policy", "params", "model_b64"}; or
  `model:NAME:FILE` with the raw bytes of `policy.save()`
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from nba.errors import InvalidInput
from nba.ope.batch import SUM_TOLERANCE, FloatArray, bad_rows_message
from nba.ope.logs import BAND_EDGES, BANDS, LoggedData
from nba.ope.scoring import Progress, score

DEFAULT_PREFERENCES: dict[str, tuple[str, ...]] = {
    "low": ("none", "upsell"),
    "medium": ("loyalty", "data_bonus"),
    "high": ("discount", "device", "service"),
}


class CandidatePolicy(Protocol):
    """A policy to evaluate: anything that gives a distribution over every logged row's offers.

    Not to be confused with `policies.Candidate`, one offer as a policy sees it.
    """

    @property
    def name(self) -> str:
        """The label of its results (the spec it came from)."""
        ...

    def action_dist(
        self, data: LoggedData, rng: np.random.Generator, progress: Progress | None = None
    ) -> FloatArray: ...


@dataclass(frozen=True, slots=True)
class UniformCandidate:
    """Uniform random over each row's eligible offers."""

    name: str = "random"

    def action_dist(
        self, data: LoggedData, rng: np.random.Generator, progress: Progress | None = None
    ) -> FloatArray:
        """1/k on each of the row's k eligible offers."""
        return data.eligible / data.eligible.sum(axis=1, keepdims=True)


@dataclass(frozen=True, slots=True)
class RulesCandidate:
    """Churn-band rules: the band's preferred offers share 1 - epsilon, epsilon goes to all.

    Bands: low below `low_below`, medium below `high_from`, else high (as the `rules`
    baseline of `policies`). A preference entry matches an offer id or, through the offer's
    category, a category: `categories` (offer id -> category) first, then the log's own
    (`LoggedData.categories`, from the export's `eligible_categories`). With no preferred
    offer eligible on a row the row is uniform. When the rules name categories and no
    offer's category is known from either, the rules cannot be evaluated as they would
    decide (they would act as uniform random): InvalidInput says so and what to do.
    """

    preferences: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_PREFERENCES)
    )
    categories: Mapping[str, str] = field(default_factory=dict)
    low_below: float = BAND_EDGES[0]
    high_from: float = BAND_EDGES[1]
    epsilon: float = 0.1
    name: str = "rules"

    @classmethod
    def from_file(cls, path: str | Path) -> RulesCandidate:
        """Read `preferences`, `categories`, `low_below`, `high_from`, `epsilon` (YAML or JSON)."""
        path = Path(path)
        if not path.exists():
            raise InvalidInput("policy", f"rules file not found: {path}")
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise InvalidInput("rules", f"{path}: must be a mapping")
        unknown = set(data) - {"preferences", "categories", "low_below", "high_from", "epsilon"}
        if unknown:
            raise InvalidInput("rules", f"{path}: unknown keys {sorted(unknown)}")
        prefs = data.get("preferences", DEFAULT_PREFERENCES)
        if not isinstance(prefs, dict) or not set(prefs) <= set(BANDS):
            raise InvalidInput("rules.preferences", f"must map bands {BANDS} to lists")
        epsilon = float(data.get("epsilon", 0.1))
        if not 0 <= epsilon <= 1:
            raise InvalidInput("rules.epsilon", f"must be in [0, 1], got {epsilon}")
        return cls(
            preferences={band: tuple(str(v) for v in prefs.get(band, ())) for band in BANDS},
            categories={str(k): str(v) for k, v in (data.get("categories") or {}).items()},
            low_below=float(data.get("low_below", BAND_EDGES[0])),
            high_from=float(data.get("high_from", BAND_EDGES[1])),
            epsilon=epsilon,
            name=f"rules:{path.name}",
        )

    def action_dist(
        self, data: LoggedData, rng: np.random.Generator, progress: Progress | None = None
    ) -> FloatArray:
        """Preferred eligible offers share 1 - epsilon; epsilon is spread over all eligible."""
        categories = {**data.categories(), **self.categories}
        self._check_categories(data.offer_ids, categories)
        band = np.digitize(data.churn_score, (self.low_below, self.high_from))
        preferred = np.array(
            [
                [o in wanted or categories.get(o) in wanted for o in data.offer_ids]
                for wanted in (set(self.preferences.get(b, ())) for b in BANDS)
            ]
        )
        eligible = data.eligible.astype(np.float64)
        hits = eligible * preferred[band]
        count = hits.sum(axis=1, keepdims=True)
        uniform = eligible / eligible.sum(axis=1, keepdims=True)
        greedy = np.where(count > 0, hits / np.maximum(count, 1.0), uniform)
        return (1.0 - self.epsilon) * greedy + self.epsilon * uniform

    def _check_categories(self, offer_ids: Sequence[str], categories: Mapping[str, str]) -> None:
        """Refuse to act as random where the rules name categories and no offer has one.

        A mapping given by the user (rules file, --categories) is taken as it is: offers it
        leaves out belong to no category the rules name.
        """
        named = {entry for band in self.preferences.values() for entry in band}
        by_category = sorted(named - set(offer_ids))
        if by_category and not categories:
            unknown = [o for o in offer_ids if o not in named]
            raise InvalidInput(
                "categories",
                f"{self.name} prefers offers by category ({', '.join(by_category)}), but the "
                f"log does not say the category of its offers ({', '.join(unknown[:5])}"
                f"{', ...' if len(unknown) > 5 else ''}), so the rules would act as uniform "
                "random: export the log again with `nba export` (its eligible_categories "
                "column carries them), evaluate LOG=db, or pass --categories FILE mapping "
                "each offer id to its category",
            )


@dataclass(frozen=True, slots=True)
class TableCandidate:
    """Precomputed probabilities per logged row: decision_id, offer_id, probability.

    Offers a row does not list get 0; every kept decision must appear and its rows sum to 1.
    """

    path: Path
    name: str = "table"

    def action_dist(
        self, data: LoggedData, rng: np.random.Generator, progress: Progress | None = None
    ) -> FloatArray:
        """The table pivoted onto the log's rows and offer columns."""
        if not self.path.exists():
            raise InvalidInput("policy", f"table file not found: {self.path}")
        suffix = self.path.suffix
        table = pd.read_csv(self.path) if suffix == ".csv" else pd.read_parquet(self.path)
        missing = {"decision_id", "offer_id", "probability"} - set(table.columns)
        if missing:
            raise InvalidInput("table", f"{self.path.name} lacks columns {sorted(missing)}")
        row_of = {str(d): i for i, d in enumerate(data.frame["decision_id"])}
        column_of = {o: j for j, o in enumerate(data.offer_ids)}
        ids = table["decision_id"].astype(str)
        offers = table["offer_id"].astype(str)
        unknown = sorted(set(offers) - set(column_of))
        if unknown:
            raise InvalidInput("table.offer_id", f"offers not in the log: {unknown[:10]}")
        known = ids.isin(row_of).to_numpy()
        rows = ids[known].map(row_of).to_numpy(dtype=np.int64)
        cols = offers[known].map(column_of).to_numpy(dtype=np.int64)
        dist = np.zeros((data.n, len(data.offer_ids)))
        dist[rows, cols] = table["probability"].to_numpy(dtype=np.float64)[known]
        absent = ~np.isin(np.arange(data.n), rows)
        if absent.any():
            _, phrase = bad_rows_message(absent)
            raise InvalidInput("table.decision_id", f"log {phrase} have no probabilities")
        off = np.abs(dist.sum(axis=1) - 1.0) > SUM_TOLERANCE
        if off.any():
            _, phrase = bad_rows_message(off)
            raise InvalidInput("table.probability", f"must sum to 1 per decision: log {phrase}")
        return dist


@dataclass(frozen=True, slots=True)
class LearnerCandidate:
    """A `policies` policy on the logged contexts: trained by progressive validation, or loaded.

    With `model` None the policy starts untrained and walks the log in time order: rows
    [i, i + learn_every) are scored, then learned (with their logged propensity and reward
    times `reward_scale`), so no row is scored by a model that saw it. With `model` (bytes of
    `save()`), the loaded policy scores every row and learns nothing. See `scoring.score`.
    """

    policy: str
    params: Mapping[str, object] = field(default_factory=dict)
    model: bytes | None = None
    categories: Mapping[str, str] = field(default_factory=dict)
    learn_every: int = 1
    reward_scale: float = 1.0
    name: str = "policy"

    def action_dist(
        self, data: LoggedData, rng: np.random.Generator, progress: Progress | None = None
    ) -> FloatArray:
        """Rank every row's eligible offers with the policy; see the class docstring."""
        import policies

        if self.model is not None and data.offer_snapshots is None and not self.categories:
            raise InvalidInput(
                "policy",
                f"{self.name} is a trained model that ranks offers by their category and "
                "features, but this log names its offers only (no eligible_categories / "
                "eligible_features columns), so it would score offers unlike those it learned: "
                "export the log again with `nba export`, evaluate LOG=db, or pass "
                "--categories FILE mapping each offer id to its category",
            )
        try:
            learner = policies.get(self.policy, rng=rng, **dict(self.params))
            if self.model is not None:
                learner.load(self.model)
        except ValueError as error:
            raise InvalidInput("policy", f"{self.name}: {error}") from None
        return score(
            learner,
            data,
            categories=self.categories,
            learn_every=None if self.model is not None else self.learn_every,
            reward_scale=self.reward_scale,
            progress=progress,
        )


def parse_candidate(spec: str, categories: Mapping[str, str] | None = None) -> CandidatePolicy:
    """A candidate from a spec string (see the module docstring); InvalidInput if malformed."""
    kind, _, rest = spec.partition(":")
    cats = dict(categories or {})
    if kind in ("random", "uniform") and not rest:
        return UniformCandidate(name=spec)
    if kind == "rules":
        rules = RulesCandidate.from_file(rest) if rest else RulesCandidate()
        return RulesCandidate(
            rules.preferences,
            {**cats, **rules.categories},
            rules.low_below,
            rules.high_from,
            rules.epsilon,
            spec,
        )
    if kind == "table" and rest:
        return TableCandidate(Path(rest), name=spec)
    if kind == "policy" and rest:
        name, *pairs = rest.split(",")
        return LearnerCandidate(name, _params(pairs, spec), categories=cats, name=spec)
    if kind == "model" and rest:
        return _model_candidate(rest, cats, spec)
    raise InvalidInput(
        "policy",
        f"cannot parse {spec!r}; expected random, rules[:FILE], table:FILE, "
        "policy:NAME[,key=value...] or model:[NAME:]FILE",
    )


def _model_candidate(rest: str, categories: dict[str, str], spec: str) -> LearnerCandidate:
    name, _, file = ("", "", rest) if Path(rest).exists() else rest.partition(":")
    path = Path(file or rest)
    if not path.exists():
        raise InvalidInput("policy", f"model file not found: {path}")
    if name:
        return LearnerCandidate(name, model=path.read_bytes(), categories=categories, name=spec)
    try:
        envelope = json.loads(path.read_text(encoding="utf-8"))
        return LearnerCandidate(
            str(envelope["policy"]),
            dict(envelope.get("params") or {}),
            model=base64.b64decode(envelope["model_b64"]),
            categories=categories,
            name=spec,
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput(
            "policy", f"{path}: not a model envelope {{policy, params, model_b64}}: {error}"
        ) from None


def _params(pairs: Sequence[str], spec: str) -> dict[str, object]:
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput("policy", f"{spec!r}: parameters are key=value, got {pair!r}")
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
