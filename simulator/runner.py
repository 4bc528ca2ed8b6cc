"""Closed-loop runs: a scenario's customers meet a policy, outcomes come back, the policy learns.

Common random numbers: one seed gives independent streams (`rng.spawn`) for the world, the
customer stream, the response draws, the delays, the policy and the sampling of offers, so
every policy run under the same seed meets the same customers with the same uniform draws.
The churn outcome (simulator/retention.py) draws from an eighth stream, so it changes none of
the others. Under `retention_value` the policy learns the acceptance first, as the interim
reward on the final reward's scale (`interim_reward` of `nba.reward`), then, when
the retention answer comes, `corrected_target` of the final reward (`retention_reward`, net
value less the churn-score baseline), as the service does.
"""

from __future__ import annotations

import heapq
import math
import time
from bisect import bisect
from collections.abc import Mapping, Sequence

import numpy as np

from nba.config import RewardMode, RewardSettings
from nba.reward import corrected_target, interim_reward
from policies.base import Context, Policy
from simulator.catalog import candidates as to_candidates
from simulator.drivers import Driver, Oracle, Pending, PolicyDriver, PolicyFactory, Progress, oracle
from simulator.result import RunResult, context_fields, customer_id
from simulator.retention import RETENTION_SCALE, retention_delays, retention_timing, retention_truth
from simulator.scenarios import Scenario, World
from simulator.truth import acceptance, expected_reward

__all__ = ["Driver", "Oracle", "Pending", "PolicyDriver", "PolicyFactory", "Progress", "compare"]
__all__ += ["oracle", "run", "simulate", "streams"]

_REPORTED, _DEFAULT, _RETAINED, _RETAIN_DEFAULT = range(4)
"""Kinds of delivery: outcome reported, outcome defaulted, retention answered, defaulted."""
RETENTION_INTERIM = float(RewardSettings.model_fields["retention_interim_reward"].default)
"""The service's default interim reward of an accept under `retention_value`."""


def streams(seed: int) -> tuple[np.random.Generator, ...]:
    """Independent streams: world, customers, responses, delays, policy, sampling, ids, churn."""
    return tuple(np.random.default_rng(seed).spawn(8))


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
    reward_mode: RewardMode | str = RewardMode.ACCEPTANCE,
    reward_scale: float | None = None,
    progress: Progress | None = None,
    *,
    interim: float = RETENTION_INTERIM,
) -> RunResult:
    """The closed loop behind `run`, for any driver (in-process or HTTP).

    `interim`: the reward an accept teaches under `retention_value` until the retention answer
    (`Settings.reward.retention_interim_reward`; an HTTP run's service uses its own setting).
    """
    mode = RewardMode(reward_mode)  # a ValueError names a bad one
    retaining = mode is RewardMode.RETENTION_VALUE
    scale = reward_scale or (RETENTION_SCALE if retaining else 100.0)
    _, stream_rng, response_rng, delay_rng, _, _, id_rng = rngs[:7]
    retention_rng = rngs[7] if len(rngs) > 7 else streams(seed)[7]
    n_offers = len(world.offers)
    customers = stream_rng.integers(0, world.population.size, steps)
    step_idx = np.arange(steps)
    u_accept = response_rng.random(steps).tolist()
    delays = (scenario.delays_days(delay_rng, steps) * scenario.steps_per_day).tolist()
    keys = id_rng.integers(0, 2**63, size=(steps, 2), dtype=np.int64)
    ret = retention_truth(world.population, world.signals, world.model)
    u_retain = retention_rng.random(steps)
    low, high, never, ret_window = retention_timing(scenario)
    ret_delays = retention_delays(retention_rng, steps, low, high, never) * scenario.steps_per_day
    ret_window *= scenario.steps_per_day
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
    scores = world.churn_scores

    fatigue_level = [0.0] * world.population.size
    fatigue_step = [0] * world.population.size
    fatigue_at = np.zeros(steps)
    chosen = np.zeros(steps, dtype=np.int64)
    probabilities = np.zeros((steps, n_offers))
    accepted = np.zeros(steps, dtype=bool)
    realised = np.zeros(steps)
    learned = np.zeros(steps)
    source = np.zeros(steps, dtype=np.int64)
    retained = np.zeros(steps, dtype=bool)
    net = np.zeros(steps)
    heap: list[tuple[float, int, int, Pending, float, float]] = []
    contact_list, cost_list = contact.tolist(), costs.tolist()
    logit_rows, value_of = logits.tolist(), world.values

    def deliver(kind: int, p: Pending, value: float, reward: float) -> None:
        t = p.step
        if kind == _REPORTED:
            source[t], learned[t] = 1, reward
            driver.report(p, bool(accepted[t]), value, reward)
        elif kind == _DEFAULT:
            source[t], learned[t] = 2, 0.0
            driver.expire(p, 0.0)
        else:
            interim = None if source[t] == 0 else float(learned[t])
            learned[t] = reward
            if kind == _RETAINED:
                driver.retain(p, bool(retained[t]), value, corrected_target(reward, interim))
            else:
                driver.retain_default(p, corrected_target(reward, interim))

    started = time.perf_counter()
    for t, i in enumerate(customers.tolist()):
        while heap and heap[0][0] <= t:
            _, _, kind, p, value, reward = heapq.heappop(heap)
            deliver(kind, p, value, reward)
        level = fatigue_level[i]
        f = level * 0.5 ** ((t - fatigue_step[i]) / half_life) if level else 0.0
        fatigue_at[t] = f
        cols = columns[pattern_of[t]]
        context, channel = contexts.get(i, round(f, 2))

        def truth(t: int = t, i: int = i, f: float = f, cols: np.ndarray = cols) -> np.ndarray:
            probs = acceptance(logits[t, cols][None, :], f * contact[cols][None, :], fpc)
            if retaining:
                one = np.array([i])
                return ret.expected_reward(one, probs, costs, scale, scores[one], cols)[0]
            values = value_of[i, cols][None, :]
            return expected_reward(probs, values, costs[cols], mode, scale)[0]

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
        kept = bool(u_retain[t] >= ret.churn_of(i, j, is_accept))
        retained[t] = kept
        worth = ret.worth_of(i, j, is_accept)
        net[t] = kept * worth - (cost_list[j] if is_accept else 0.0)
        value = float(value_of[i, j]) if is_accept else 0.0
        if retaining:
            reward = interim_reward(is_accept, interim)
        elif not is_accept:
            reward = 0.0
        elif mode is RewardMode.ACCEPTANCE:
            reward = 1.0
        else:
            reward = max(-1.0, min(1.0, (value - cost_list[j]) / scale))
        pending = Pending(t, context, cands[pattern_of[t]], k, probs[k], decision_id)
        delay = delays[t]
        is_reported = delay <= window
        kind = _REPORTED if is_reported else _DEFAULT
        arrival = t + math.ceil(delay) if is_reported else t + window
        if arrival <= t:
            deliver(kind, pending, value, reward)
        else:
            heapq.heappush(heap, (arrival, t, kind, pending, value, reward))
        if retaining:
            score = context.churn_score
            final = ret.reward(i, j, is_accept, kept, scale, score)
            realised[t] = final
            answered = ret_delays[t] <= ret_window
            kind = _RETAINED if answered else _RETAIN_DEFAULT
            target = final if answered else ret.reward(i, j, is_accept, True, scale, score)
            arrival = t + (math.ceil(ret_delays[t]) if answered else ret_window)
            heapq.heappush(heap, (max(arrival, t + 1), t, kind, pending, worth, target))
        else:
            realised[t] = reward if is_accept else 0.0
        if progress is not None and (t + 1) % 1000 == 0:
            progress(1000)
    driver.flush()
    elapsed = time.perf_counter() - started
    if progress is not None and steps % 1000:
        progress(steps % 1000)

    contacts_matrix = fatigue_at[:, None] * contact[None, :]
    probs_true = acceptance(logits, contacts_matrix, fpc)
    if retaining:
        expected = ret.expected_reward(customers, probs_true, costs, scale, scores[customers])
    else:
        expected = expected_reward(probs_true, world.values[customers], costs, mode, scale)
    return RunResult(
        scenario=scenario.name,
        policy=driver.name,
        seed=seed,
        offer_ids=tuple(o.id for o in world.offers),
        steps_per_day=scenario.steps_per_day,
        reward_mode=mode,
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
        retained=retained,
        net_value=net,
        net_expected=ret.expected_net_value(customers, probs_true, costs),
        offers=world.offers,
    )


def run(
    scenario: Scenario,
    policy: Policy,
    steps: int,
    seed: int,
    *,
    reward_mode: RewardMode | str = RewardMode.ACCEPTANCE,
    reward_scale: float | None = None,
    learn_batch: int = 1,
    progress: Progress | None = None,
    interim: float = RETENTION_INTERIM,
) -> RunResult:
    """Run one policy through `steps` decisions of `scenario`, learning online; see RunResult."""
    rngs = streams(seed)
    world = scenario.world(rngs[0])
    driver = PolicyDriver(policy, rngs[5].random(steps), learn_batch)
    return simulate(
        scenario, world, driver, steps, rngs, seed, reward_mode, reward_scale, progress,
        interim=interim,
    )  # fmt: skip


def compare(
    scenario: Scenario,
    policies: Mapping[str, PolicyFactory],
    steps: int,
    seeds: int | Sequence[int] = 3,
    *,
    reward_mode: RewardMode | str = RewardMode.ACCEPTANCE,
    reward_scale: float | None = None,
    learn_batch: int = 1,
    progress: Progress | None = None,
    interim: float = RETENTION_INTERIM,
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
                    scenario,
                    world,
                    driver,
                    steps,
                    rngs,
                    seed,
                    reward_mode,
                    reward_scale,
                    progress,
                    interim=interim,
                )
            )
    return results
