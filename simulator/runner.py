"""Closed-loop runs: a scenario's customers meet a policy, outcomes come back, the policy learns.

Common random numbers: one seed gives independent streams (`rng.spawn`) for the world, the
customer stream, the response draws, the delays, the policy and the sampling of offers, so
every policy run under the same seed meets the same customers with the same uniform draws.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np

from policies.base import Candidate, Context, Event, Policy, Ranking
from simulator.catalog import candidates as to_candidates
from simulator.result import RunResult, context_fields, customer_id
from simulator.scenarios import Scenario, World
from simulator.truth import acceptance, expected_reward

PolicyFactory = Callable[[np.random.Generator], Policy]
Progress = Callable[[int], None]


class Oracle:
    """The policy that knows the truth: the runner gives it each offer's true expected reward."""

    name = "oracle"
    params: Mapping[str, object] = {}

    def rank(self, context: Context, candidates: Sequence[Candidate]) -> Ranking:
        """Uniform (the runner decides for the oracle from the ground truth)."""
        k = len(candidates)
        return Ranking(tuple(c.offer_id for c in candidates), (1.0 / k,) * k, (0.0,) * k)

    def learn(self, events: Iterable[Event]) -> None:
        """Nothing to learn."""

    def save(self) -> bytes:
        """No state."""
        return b""

    def load(self, data: bytes) -> None:
        """No state."""


def oracle(rng: np.random.Generator | None = None) -> Oracle:
    """Factory of the oracle policy, usable wherever a PolicyFactory is."""
    return Oracle()


class Pending:
    """A decision waiting for its outcome."""

    __slots__ = ("candidates", "chosen", "context", "decision_id", "propensity", "step")

    def __init__(
        self,
        step: int,
        context: Context,
        candidates: tuple[Candidate, ...],
        chosen: int,
        propensity: float,
        decision_id: str | None,
    ) -> None:
        """Hold what `report` needs."""
        self.step, self.context, self.candidates = step, context, candidates
        self.chosen, self.propensity, self.decision_id = chosen, propensity, decision_id


class Driver(Protocol):
    """Where decisions are made: a policy in this process, or a service over HTTP."""

    name: str

    def decide(
        self,
        step: int,
        customer: str,
        context: Context,
        channel: str,
        candidates: tuple[Candidate, ...],
        truth: Callable[[], np.ndarray],
    ) -> tuple[int, tuple[float, ...], str | None]:
        """The chosen candidate's index, probabilities in candidates' order, a decision id."""
        ...

    def report(self, pending: Pending, accepted: bool, value: float, reward: float) -> None:
        """One reported outcome (not called for default outcomes the service applies itself)."""
        ...

    def expire(self, pending: Pending, reward: float) -> None:
        """An outcome that never came within the reward window: the default reward."""
        ...

    def flush(self) -> None:
        """Learn whatever is buffered."""
        ...


class PolicyDriver:
    """In-process: rank with the policy, sample with the run's own stream, learn in batches."""

    def __init__(self, policy: Policy, uniforms: np.ndarray, learn_batch: int = 1) -> None:
        """`uniforms[t]` samples the offer at step t (common across policies)."""
        self.policy, self.name = policy, policy.name
        self._u = uniforms.tolist()
        self._batch: list[Event] = []
        self._learn_batch = learn_batch
        self._is_oracle = isinstance(policy, Oracle)

    def decide(
        self,
        step: int,
        customer: str,
        context: Context,
        channel: str,
        candidates: tuple[Candidate, ...],
        truth: Callable[[], np.ndarray],
    ) -> tuple[int, tuple[float, ...], str | None]:
        """Rank, then sample by inverse CDF with this step's uniform."""
        if self._is_oracle:
            best = int(np.argmax(truth()))
            return best, tuple(float(i == best) for i in range(len(candidates))), None
        probs = self.policy.rank(context, candidates).probabilities
        u, acc = self._u[step], 0.0
        for k, p in enumerate(probs):
            acc += p
            if u < acc:
                return k, probs, None
        return len(probs) - 1, probs, None

    def report(self, pending: Pending, accepted: bool, value: float, reward: float) -> None:
        """Queue the event; learn when the batch is full."""
        self.expire(pending, reward)

    def expire(self, pending: Pending, reward: float) -> None:
        """Learn the default reward like any other."""
        self._batch.append(
            Event(pending.context, pending.candidates, pending.chosen, pending.propensity, reward)
        )
        if len(self._batch) >= self._learn_batch:
            self.flush()

    def flush(self) -> None:
        """Hand the batch to the policy."""
        if self._batch:
            self.policy.learn(self._batch)
            self._batch = []


def streams(seed: int) -> tuple[np.random.Generator, ...]:
    """The run's independent streams: world, customers, responses, delays, policy, sampling, ids."""
    return tuple(np.random.default_rng(seed).spawn(7))


class _Contexts:
    """Context values per customer, built once and shared by every step that meets them."""

    def __init__(self, world: World) -> None:
        self._pop = world.population
        self._scores = world.churn_scores.tolist()
        self._base: dict[int, tuple[tuple[str, float | int | str], ...]] = {}
        self._channel: dict[int, str] = {}

    def get(self, i: int, recent: float) -> tuple[Context, str]:
        base = self._base.get(i)
        if base is None:
            fields = context_fields(self._pop, i)
            base = self._base[i] = tuple(sorted(fields.items()))
            self._channel[i] = str(fields["channel"])
        at = bisect(base, ("recent_contacts",))
        features = (*base[:at], ("recent_contacts", recent), *base[at:])
        return Context(self._scores[i], features), self._channel[i]


def simulate(
    scenario: Scenario,
    world: World,
    driver: Driver,
    steps: int,
    rngs: Sequence[np.random.Generator],
    seed: int,
    reward_mode: str = "acceptance",
    reward_scale: float = 100.0,
    progress: Progress | None = None,
) -> RunResult:
    """The closed loop behind `run`, for any driver (in-process or HTTP)."""
    _, stream_rng, response_rng, delay_rng, _, _, id_rng = rngs
    n_offers = len(world.offers)
    customers = stream_rng.integers(0, world.population.size, steps)
    step_idx = np.arange(steps)
    u_accept = response_rng.random(steps).tolist()
    delays = (scenario.delays_days(delay_rng, steps) * scenario.steps_per_day).tolist()
    keys = id_rng.integers(0, 2**63, size=(steps, 2), dtype=np.int64)
    logits = scenario.logits(world, customers, step_idx)
    active = scenario.active(step_idx)
    patterns, pattern_of = np.unique(active, axis=0, return_inverse=True)
    columns = [np.flatnonzero(p) for p in patterns]
    cands = [to_candidates([world.offers[j] for j in cols]) for cols in columns]
    costs = world.model.costs()
    contact = np.isfinite([r.intercept for r in world.model.responses])
    fpc = world.model.fatigue_per_contact
    half_life = scenario.fatigue_half_life_days * scenario.steps_per_day
    window = scenario.reward_window_days * scenario.steps_per_day
    contexts = _Contexts(world)

    fatigue_level = [0.0] * world.population.size
    fatigue_step = [0] * world.population.size
    fatigue_at = np.zeros(steps)
    chosen = np.zeros(steps, dtype=np.int64)
    probabilities = np.zeros((steps, n_offers))
    accepted = np.zeros(steps, dtype=bool)
    realised = np.zeros(steps)
    learned = np.zeros(steps)
    source = np.zeros(steps, dtype=np.int64)
    heap: list[tuple[float, int, Pending, bool, float, float]] = []
    contact_list, cost_list = contact.tolist(), costs.tolist()
    logit_rows, value_of = logits.tolist(), world.values

    def deliver(p: Pending, is_reported: bool, value: float, reward: float) -> None:
        t = p.step
        if is_reported:
            source[t], learned[t] = 1, reward
            driver.report(p, bool(accepted[t]), value, reward)
        else:
            source[t], learned[t] = 2, 0.0
            driver.expire(p, 0.0)

    started = time.perf_counter()
    for t, i in enumerate(customers.tolist()):
        while heap and heap[0][0] <= t:
            _, _, p, is_reported, value, reward = heapq.heappop(heap)
            deliver(p, is_reported, value, reward)
        level = fatigue_level[i]
        f = level * 0.5 ** ((t - fatigue_step[i]) / half_life) if level else 0.0
        fatigue_at[t] = f
        cols = columns[pattern_of[t]]
        context, channel = contexts.get(i, round(f, 2))

        def truth(t: int = t, i: int = i, f: float = f, cols: np.ndarray = cols) -> np.ndarray:
            probs = acceptance(logits[t, cols][None, :], f * contact[cols][None, :], fpc)
            values = value_of[i, cols][None, :]
            return expected_reward(probs, values, costs[cols], reward_mode, reward_scale)[0]

        k, probs, decision_id = driver.decide(
            t, customer_id(i), context, channel, cands[pattern_of[t]], truth
        )
        j = int(cols[k])
        chosen[t] = j
        probabilities[t, cols] = probs
        if contact_list[j]:
            fatigue_level[i], fatigue_step[i] = f + 1.0, t
            z = logit_rows[t][j] - fpc * f
            p_accept = 0.5 * (1.0 + math.tanh(0.5 * z))
        else:
            p_accept = 0.0
        is_accept = u_accept[t] < p_accept
        accepted[t] = is_accept
        value = float(value_of[i, j]) if is_accept else 0.0
        if not is_accept:
            reward = 0.0
        elif reward_mode == "acceptance":
            reward = 1.0
        else:
            reward = max(-1.0, min(1.0, (value - cost_list[j]) / reward_scale))
        realised[t] = reward
        pending = Pending(t, context, cands[pattern_of[t]], k, probs[k], decision_id)
        delay = delays[t]
        is_reported = delay <= window
        arrival = t + math.ceil(delay) if is_reported else t + window
        if arrival <= t:
            deliver(pending, is_reported, value, reward)
        else:
            heapq.heappush(heap, (arrival, t, pending, is_reported, value, reward))
        if progress is not None and (t + 1) % 1000 == 0:
            progress(1000)
    driver.flush()
    elapsed = time.perf_counter() - started
    if progress is not None and steps % 1000:
        progress(steps % 1000)

    contacts_matrix = fatigue_at[:, None] * contact[None, :]
    probs_true = acceptance(logits, contacts_matrix, fpc)
    expected = expected_reward(
        probs_true, world.values[customers], costs, reward_mode, reward_scale
    )
    return RunResult(
        scenario=scenario.name,
        policy=driver.name,
        seed=seed,
        offer_ids=tuple(o.id for o in world.offers),
        steps_per_day=scenario.steps_per_day,
        reward_mode=reward_mode,
        population=world.population,
        customers=customers,
        churn_scores=world.churn_scores[customers],
        active=active,
        probabilities=probabilities,
        chosen=chosen,
        accepted=accepted,
        realised=realised,
        expected=expected,
        learned=learned,
        source=source,
        recent_contacts=np.round(fatigue_at, 2),
        decision_keys=keys,
        elapsed_s=elapsed,
    )


def run(
    scenario: Scenario,
    policy: Policy,
    steps: int,
    seed: int,
    *,
    reward_mode: str = "acceptance",
    reward_scale: float = 100.0,
    learn_batch: int = 1,
    progress: Progress | None = None,
) -> RunResult:
    """Run one policy through `steps` decisions of `scenario`, learning online; see RunResult."""
    rngs = streams(seed)
    world = scenario.world(rngs[0])
    driver = PolicyDriver(policy, rngs[5].random(steps), learn_batch)
    return simulate(scenario, world, driver, steps, rngs, seed, reward_mode, reward_scale, progress)


def compare(
    scenario: Scenario,
    policies: Mapping[str, PolicyFactory],
    steps: int,
    seeds: int | Sequence[int] = 3,
    *,
    reward_mode: str = "acceptance",
    reward_scale: float = 100.0,
    learn_batch: int = 1,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Several policies side by side on the same customer stream, for each seed.

    `seeds` is a count (seeds 0..n-1) or explicit seeds. Each factory gets the seed's policy
    stream; results are named by the mapping's keys.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    results = []
    for seed in seed_list:
        rngs = streams(seed)
        world = scenario.world(rngs[0])
        for name, factory in policies.items():
            rngs = streams(seed)
            driver = PolicyDriver(factory(rngs[4]), rngs[5].random(steps), learn_batch)
            driver.name = name
            results.append(
                simulate(
                    scenario, world, driver, steps, rngs, seed, reward_mode, reward_scale, progress
                )
            )
    return results
