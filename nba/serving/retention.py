"""Retention as the reward: the CRM's answer weeks later, whether the customer stayed.

`retention_value` reward = ((retained - (1 - churn score)) * customer value - offer cost if
accepted) / scale, clipped to [-1, 1]: the net value of the decision, minus what the customer
was expected to be worth without any action (`retention_reward`). `no_action` costs nothing,
so every offer must beat keeping quiet. Until the answer arrives the learner uses the
acceptance as an interim signal, on the final reward's scale (`interim_reward`); the answer
then corrects it (`corrected_target`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import policies
from nba.clock import parse_time
from nba.config import RewardMode
from nba.domain import Retention
from nba.errors import InvalidInput

RETENTION_LEARNING_RATE = 0.1
"""VW's learning rate under `retention_value` unless the policy parameters set one.

A retention answer is a noisy reward (kept or lost, times the customer's value, for a change
in churn of a few points), so the learner should average over many answers instead of
following the last ones: on the simulator's `delayed` world, 200,000 decisions, 0.1 earns
+10.9 +- 6.4 net value per decision over acceptance where VW's usual 0.5 earns +6.4 +- 2.5
(benchmarks/retention_reward.py, docs/model-lifecycle.md)."""


def fresh_policy_params(
    policy: str, params: Mapping[str, object], reward_mode: str
) -> dict[str, object]:
    """The parameters of a new policy: `params`, plus the retention learning rate under
    `retention_value` for a policy that takes one and was not given one."""
    chosen = dict(params)
    if (
        reward_mode == RewardMode.RETENTION_VALUE
        and "learning_rate" not in chosen
        and "learning_rate" in policies.parameters(policy)
    ):
        chosen["learning_rate"] = RETENTION_LEARNING_RATE
    return chosen


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """A CRM's late answer: did the customer of decision `decision_id` stay, and their value."""

    decision_id: str
    retained: bool
    value: float | None = None
    ts: datetime | None = None


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """The retention answer on record; `created` is False for a repeated report."""

    retention: Retention
    created: bool


def retention_report(decision_id: str, data: Mapping[str, object]) -> RetentionReport:
    """Validate a decoded retention body; errors name the field."""
    if not isinstance(data, Mapping):
        raise InvalidInput("body", "must be a JSON object")
    for key in data:
        if key not in ("retained", "value", "ts"):
            raise InvalidInput(key, "is not a known field")
    retained = data.get("retained")
    if not isinstance(retained, bool):
        raise InvalidInput("retained", "is required" if retained is None else "must be a boolean")
    value = data.get("value")
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput("value", f"must be a number, got {type(value).__name__}")
        if not math.isfinite(value) or value < 0:
            raise InvalidInput("value", f"must be a finite number >= 0, got {value}")
        value = float(value)
    ts = data.get("ts")
    return RetentionReport(
        decision_id, retained, value, None if ts is None else parse_time(ts, "ts")
    )


def retention_reward(
    *,
    retained: bool,
    customer_value: float,
    offer_cost: float,
    accepted: bool,
    scale: float,
    churn_score: float,
    baseline_value: float | None = None,
) -> float:
    """The reward of a retention answer on the policies' scale ([-1, 1]).

    `((retained - (1 - churn_score)) * customer_value - offer_cost if accepted) / scale`: the
    decision's net value minus a baseline, the value the customer was expected to keep without
    any action (the logged churn score gives the retention to expect). The baseline depends
    on the decision's context alone, never on the offer chosen, so it shifts every offer's
    expected reward by the same amount and leaves the best offer unchanged; it only takes
    out much of the spread of `retained * value` between customers, the noise the learner
    must average away. The baseline is taken on `baseline_value`, the customer's own value
    before any offer (default `customer_value`): if the reported value includes what an
    accepted offer added (an upsell's revenue), pass the value without it, or the baseline
    would depend on the offer. Clipping to [-1, 1] is the one departure from an unchanged
    argmax, rare with a scale of about twice a large customer value.
    """
    base = customer_value if baseline_value is None else baseline_value
    kept = customer_value if retained else 0.0
    earned = kept - (1.0 - churn_score) * base - (offer_cost if accepted else 0.0)
    return max(-1.0, min(1.0, earned / scale))


def interim_reward(accepted: bool, uplift: float) -> float:
    """The interim reward learned at the outcome, before the retention answer: on its scale.

    An accept learns `uplift` (`Settings.reward.retention_interim_reward`, a small prior guess of
    what an accept is worth on the final reward's scale; 0 learns nothing until the answer),
    a decline learns 0, the baseline's expectation of doing nothing. A 0/1 interim would be
    far off the final reward's scale and dominate the correction `2 * final - interim`.
    """
    return uplift if accepted else 0.0


def corrected_target(final: float, interim: float | None) -> float:
    """The reward to learn when the retention answer comes after an interim reward was learned.

    A squared-loss learner that saw the interim reward once and now sees `2 * final - interim`
    once has averaged to `final` on this event, as if the interim signal had been replaced.
    The target is clipped to [-1, 1], so a large correction is only partly made.
    """
    if interim is None:
        return final
    return max(-1.0, min(1.0, 2.0 * final - interim))
