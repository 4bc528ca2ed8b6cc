"""What-if runs: a proposed offer catalogue against the current one, on the same customers.

For each seed both catalogues meet the same simulated customers in the same order with the
same uniform draws for acceptance and churn (common random numbers: `runner.streams`), so the
difference of a metric between them is paired, customer by customer; its 95% interval is a
Student t interval over the seeds' differences (a normal one over the customers' paired
differences when there is one seed).

Each customer gets the offer with the highest expected reward under the simulator's truth
(the oracle: what a policy that has learned the catalogue would do) among the offers that are
eligible by churn score and still within their budget (`Caps.budget_allows`, consumed by the
accepts as they come); contact fatigue builds up and fades as in `runner.simulate`. What it
leaves out: the learning a new offer needs first (cold start), per-customer caps and the other
eligibility rules.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.config import RewardMode
from simulator.proposal import Catalogue
from simulator.retention import RetentionTruth, retention_truth
from simulator.runner import streams
from simulator.scenarios import Stationary, World, build_world
from simulator.truth import acceptance, expected_reward

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Progress = Callable[[int], object]

METRICS = ("accepts", "cost", "retained_value", "net_value")
"""What a what-if run counts, summed over its decisions: accepts, the money the accepted
offers cost, the value of the customers who stayed (their CLV, plus an accepted upsell's
revenue), and retained value less cost."""


@dataclass(frozen=True, slots=True, eq=False)
class CatalogueRun:
    """One catalogue on one seed's customers: per decision, the offer and what it brought."""

    offer_ids: tuple[str, ...]
    chosen: Ints
    accepted: npt.NDArray[np.bool_]
    cost: Floats
    retained_value: Floats

    def per_step(self, metric: str) -> Floats:
        """One metric's value at each decision (`METRICS`)."""
        if metric == "accepts":
            return self.accepted.astype(np.float64)
        if metric == "cost":
            return self.cost
        if metric == "retained_value":
            return self.retained_value
        return self.retained_value - self.cost

    def total(self, metric: str) -> float:
        """One metric summed over the run."""
        return float(self.per_step(metric).sum())


@dataclass(frozen=True, slots=True)
class Change:
    """A metric under both catalogues (mean total per run) and the paired change, with its
    interval at the run's confidence level."""

    metric: str
    current: float
    proposed: float
    change: float
    ci_low: float
    ci_high: float

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero."""
        return self.ci_low > 0 or self.ci_high < 0


@dataclass(frozen=True, slots=True)
class OfferUse:
    """One offer's mean shows, accepts and spend per run under each catalogue (None: absent)."""

    offer_id: str
    current: tuple[float, float, float] | None
    proposed: tuple[float, float, float] | None


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The result of `what_if`: the changes, each seed's differences, the offers' use."""

    steps: int
    seeds: tuple[int, ...]
    reward_mode: str
    alpha: float
    interval: str
    changes: tuple[Change, ...]
    differences: dict[str, tuple[float, ...]]
    offers: tuple[OfferUse, ...]

    def change(self, metric: str) -> Change:
        """The change of one metric."""
        return next(c for c in self.changes if c.metric == metric)


def what_if(
    current: Catalogue,
    proposed: Catalogue,
    *,
    steps: int,
    seeds: int | Sequence[int] = 5,
    scenario: Stationary | None = None,
    reward_mode: RewardMode | str = RewardMode.RETENTION_VALUE,
    alpha: float = 0.05,
    progress: Progress | None = None,
) -> WhatIf:
    """Run both catalogues on each seed's customers and compare them (see the module)."""
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    if not seed_list or steps < 2:
        raise ValueError("a what-if run needs at least one seed and two steps")
    world_of = scenario or Stationary()
    mode = RewardMode(reward_mode)
    runs: list[tuple[CatalogueRun, CatalogueRun]] = []
    for seed in seed_list:
        pair = (
            run_catalogue(current, world_of, steps, seed, mode),
            run_catalogue(proposed, world_of, steps, seed, mode),
        )
        runs.append(pair)
        if progress is not None:
            progress(2 * steps)
    changes, differences = [], {}
    for metric in METRICS:
        change, diffs = _paired_change(metric, runs, alpha)
        changes.append(change)
        differences[metric] = diffs
    return WhatIf(
        steps=steps,
        seeds=tuple(seed_list),
        reward_mode=mode.value,
        alpha=alpha,
        interval="t over seeds" if len(seed_list) > 1 else "normal over customers",
        changes=tuple(changes),
        differences=differences,
        offers=_offer_use(runs, current, proposed),
    )


def run_catalogue(
    catalogue: Catalogue, scenario: Stationary, steps: int, seed: int, mode: RewardMode
) -> CatalogueRun:
    """One catalogue through `steps` decisions of the seed's customers (common draws)."""
    rngs = streams(seed)  # fresh: spawning from a stream changes what it spawns next
    world = build_world(
        scenario.population_size,
        rngs[0],
        catalogue.offers,
        catalogue.responses,
        churn_model=scenario.churn_model,
    )
    customers = rngs[1].integers(0, world.population.size, steps)
    u_accept = rngs[2].random(steps).tolist()
    u_retain = rngs[7].random(steps).tolist()
    truth = retention_truth(world.population, world.signals, world.model, catalogue.fit)
    objective = _objective(world, truth, mode)
    half_life = scenario.fatigue_half_life_days * scenario.steps_per_day
    return _loop(catalogue, world, truth, objective, customers, u_accept, u_retain, half_life)


Objective = Callable[[Ints, Floats], Floats]
"""The expected reward of each offer (rows: customers) given their acceptance probabilities."""


def _objective(world: World, truth: RetentionTruth, mode: RewardMode) -> Objective:
    costs = world.model.costs()
    if mode is RewardMode.RETENTION_VALUE:
        return lambda customers, p: truth.expected_net_value(customers, p, costs)
    return lambda customers, p: expected_reward(p, world.values[customers], costs, mode, 100.0)


def _loop(
    catalogue: Catalogue,
    world: World,
    truth: RetentionTruth,
    objective: Objective,
    customers: Ints,
    u_accept: list[float],
    u_retain: list[float],
    half_life: float,
) -> CatalogueRun:
    offers = world.offers
    k, steps = len(offers), len(customers)
    fpc = world.model.fatigue_per_contact
    contact_mask = np.isfinite([r.intercept for r in world.model.responses])
    contact = contact_mask.tolist()
    costs = world.model.costs().tolist()
    scores = world.churn_scores[customers]
    low = np.array([o.eligibility.churn_min for o in offers])
    high = np.array([o.eligibility.churn_max for o in offers])
    eligible = (scores[:, None] >= low) & (scores[:, None] <= high)
    eligible[:, ~contact_mask] = True  # no_action is always there
    fresh = np.where(
        eligible, objective(customers, acceptance(world.logits[customers], 0, fpc)), -np.inf
    )
    rows = fresh.tolist()
    logit_rows = world.logits[customers].tolist()
    level = [0.0] * world.population.size
    last = [0] * world.population.size
    budgeted = [o.caps.has_budget for o in offers]
    is_open, used, spent = [True] * k, [0] * k, [0.0] * k
    chosen = np.zeros(steps, dtype=np.int64)
    accepted = np.zeros(steps, dtype=bool)
    paid, kept_value = np.zeros(steps), np.zeros(steps)
    for t, i in enumerate(customers.tolist()):
        f = level[i] * 0.5 ** ((t - last[i]) / half_life) if level[i] else 0.0
        row = rows[t]
        if f:
            p = acceptance(world.logits[i : i + 1], f * contact_mask[None, :], fpc)
            row = np.where(eligible[t], objective(customers[t : t + 1], p)[0], -np.inf).tolist()
        j, best = 0, -math.inf  # column 0 is no_action (apply_changes keeps it first), never shut
        for c in range(k):
            if is_open[c] and row[c] > best:
                j, best = c, row[c]
        if contact[j]:
            z = logit_rows[t][j] - fpc * f
            is_accept = u_accept[t] < 0.5 * (1.0 + math.tanh(0.5 * z))
            level[i], last[i] = f + 1.0, t
        else:
            is_accept = False
        chosen[t], accepted[t] = j, is_accept
        if u_retain[t] >= truth.churn_of(i, j, is_accept):
            kept_value[t] = truth.worth_of(i, j, is_accept)
        if is_accept:
            paid[t] = costs[j]
            if budgeted[j]:
                used[j] += 1
                spent[j] += costs[j]
                is_open[j] = offers[j].caps.budget_allows(used[j], spent[j], costs[j])
    return CatalogueRun(catalogue.offer_ids, chosen, accepted, paid, kept_value)


def _paired_change(
    metric: str, runs: Sequence[tuple[CatalogueRun, CatalogueRun]], alpha: float
) -> tuple[Change, tuple[float, ...]]:
    current = np.array([a.total(metric) for a, _ in runs])
    proposed = np.array([b.total(metric) for _, b in runs])
    diffs = proposed - current
    mean = float(diffs.mean())
    if len(runs) > 1:
        half = t_quantile(1 - alpha / 2, len(runs) - 1) * float(diffs.std(ddof=1))
        half /= math.sqrt(len(runs))
    else:
        a, b = runs[0]
        per_step = b.per_step(metric) - a.per_step(metric)
        z = t_quantile(1 - alpha / 2, 10**6)
        half = z * float(per_step.std(ddof=1)) * math.sqrt(len(per_step))
    change = Change(
        metric,
        float(current.mean()),
        float(proposed.mean()),
        mean,
        mean - half,
        mean + half,
    )
    return change, tuple(float(d) for d in diffs)


_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)
"""The 97.5% Student t quantiles for 1..10 degrees of freedom (the 95% intervals of few seeds)."""


def t_quantile(q: float, df: int) -> float:
    """Student t quantile `q` (in (0.5, 1)) with `df` degrees of freedom.

    From the table for 97.5% and df up to 10, exact for df 1 and 2, else the Cornish-Fisher
    expansion around the normal quantile (three terms: within 0.003 from df 5, 0.001 from 11).
    """
    if q == 0.975 and 1 <= df <= len(_T975):
        return _T975[df - 1]
    if df == 1:
        return math.tan(math.pi * (q - 0.5))
    if df == 2:
        return (2 * q - 1) * math.sqrt(2 / (1 - (2 * q - 1) ** 2))
    z = _normal_quantile(q)
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


def _normal_quantile(q: float) -> float:
    # Bisection on erf: exact to float precision, and the one use is per report, not per row.
    low, high = -10.0, 10.0
    for _ in range(100):
        mid = (low + high) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < q:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _offer_use(
    runs: Sequence[tuple[CatalogueRun, CatalogueRun]], current: Catalogue, proposed: Catalogue
) -> tuple[OfferUse, ...]:
    ids = list(dict.fromkeys((*current.offer_ids, *proposed.offer_ids)))
    return tuple(
        OfferUse(
            offer_id,
            _use([a for a, _ in runs], offer_id),
            _use([b for _, b in runs], offer_id),
        )
        for offer_id in ids
    )


def _use(runs: Sequence[CatalogueRun], offer_id: str) -> tuple[float, float, float] | None:
    if offer_id not in runs[0].offer_ids:
        return None
    j = runs[0].offer_ids.index(offer_id)
    shows = np.mean([(r.chosen == j).sum() for r in runs])
    accepts = np.mean([(r.accepted & (r.chosen == j)).sum() for r in runs])
    spend = np.mean([r.cost[r.chosen == j].sum() for r in runs])
    return float(shows), float(accepts), float(spend)


__all__ = ["METRICS", "CatalogueRun", "Change", "OfferUse", "WhatIf", "run_catalogue"]
__all__ += ["t_quantile", "what_if"]
