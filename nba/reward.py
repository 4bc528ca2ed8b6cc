"""Rewards: what a policy learns from each kind of feedback, by the configured reward mode.

`acceptance`: accepted -> 1, declined -> 0. `net_value`: accepted -> (outcome value, else the
offer's value) - offer cost, divided by the scale and clipped to [-1, 1]; declined -> 0.
Under both, retention answers are stored but not learned.

An outcome of `no_action` (or of any offer of category `none`) is learned as 0 in every mode,
whatever `accepted` says: nothing was offered, so nothing could be accepted, and learning 1
would teach the policy that doing nothing is as good as an accepted offer. It is stored as
reported; whether doing nothing kept the customer is the retention answer's to say.

`retention_value`: reward = ((retained - (1 - churn score)) * customer value - offer cost if
accepted) / scale, clipped to [-1, 1]: the net value of the decision, minus what the customer
was expected to be worth without any action (`retention_reward`). `no_action` costs nothing,
so every offer must beat keeping quiet. Until the answer arrives the learner uses the
acceptance as an interim signal, on the final reward's scale (`interim_reward`); the answer
then corrects it (`corrected_target`).
"""

from __future__ import annotations

from collections.abc import Mapping

import policies
from nba.config import RewardMode
from nba.domain import FeedbackKind

OFFERS_NOTHING = "none"
"""The category of an arm that offers the customer nothing (the built-in `no_action`)."""

RETENTION_LEARNING_RATE = 0.1
"""VW's learning rate under `retention_value` unless the policy parameters set one.

A retention answer is a noisy reward (kept or lost, times the customer's value, for a change
in churn of a few points), so the learner should average over many answers instead of
following the last ones: on the simulator's `delayed` world, 200,000 decisions, 0.1 earns
+10.9 +- 6.4 net value per decision over acceptance where VW's usual 0.5 earns +6.4 +- 2.5
(benchmarks/retention_reward.py, docs/model-lifecycle.md)."""


def learned_kinds(mode: RewardMode) -> tuple[FeedbackKind, ...]:
    """The kinds of feedback a learner learns under `mode`, in the order it learns them.

    Outcomes always (under `retention_value` as the interim signal); retention answers only
    under `retention_value`, after the outcomes, since they correct them. The defaults job
    gives defaults of these kinds only.
    """
    if mode is RewardMode.RETENTION_VALUE:
        return (FeedbackKind.ACCEPTANCE, FeedbackKind.RETENTION)
    return (FeedbackKind.ACCEPTANCE,)


def reward_range(mode: RewardMode) -> tuple[float, float]:
    """The lowest and highest reward a policy can learn under `mode`: [0, 1] for acceptance,
    [-1, 1] for the value modes."""
    return (0.0, 1.0) if mode is RewardMode.ACCEPTANCE else (-1.0, 1.0)


def acceptance_reward(
    mode: RewardMode,
    *,
    accepted: bool,
    value: float | None,
    offer_cost: float,
    offer_value: float | None,
    scale: float,
    interim: float = 0.0,
    offers_nothing: bool = False,
) -> float:
    """The reward on the policies' scale ([-1, 1]) of one outcome (accepted or declined).

    `offers_nothing` (the chosen arm is `no_action`): 0 whatever the answer.
    """
    if offers_nothing:
        return 0.0
    if mode is RewardMode.ACCEPTANCE:
        return 1.0 if accepted else 0.0
    if mode is RewardMode.RETENTION_VALUE:
        # The acceptance is the interim signal until retention is known, on the final's scale.
        return interim_reward(accepted, interim)
    if not accepted:
        return 0.0
    gained = value if value is not None else (offer_value or 0.0)
    return max(-1.0, min(1.0, (gained - offer_cost) / scale))


def outcome_reason(
    mode: RewardMode,
    *,
    offer_id: str,
    accepted: bool,
    reward: float,
    offers_nothing: bool = False,
    source: str = "reported",
) -> str:
    """Why an outcome has the reward it has, in one sentence for the API's reply."""
    if source == "default":
        prefix = "no answer came within the reward window, so the default outcome was stored: "
    else:
        prefix = ""
    answer = "accepted" if accepted else "declined"
    if offers_nothing:
        text = (
            f"{offer_id} offered the customer nothing, so there was nothing to accept: its "
            "outcome is learned as reward 0 whatever 'accepted' says"
        )
        if mode is RewardMode.RETENTION_VALUE:
            return (
                f"{prefix}{text}; the retention answer will say whether doing nothing kept "
                "the customer"
            )
        return (
            f"{prefix}{text} (doing nothing is judged by retention answers, learned under "
            "reward mode retention_value)"
        )
    if mode is RewardMode.ACCEPTANCE:
        return f"{prefix}{offer_id} {answer}: reward {reward:g} (reward mode acceptance)"
    if mode is RewardMode.NET_VALUE:
        if not accepted:
            return f"{prefix}{offer_id} declined: reward 0 (reward mode net_value)"
        return (
            f"{prefix}{offer_id} accepted: reward {reward:g} = (value - offer cost) / reward "
            "scale, clipped to [-1, 1] (reward mode net_value)"
        )
    return (
        f"{prefix}{offer_id} {answer}: interim reward {reward:g} until the retention answer "
        "corrects it (reward mode retention_value)"
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
    The target is clipped to [-1, 1], so a large correction is only partly made. With no
    interim (an outcome, or a retention answer whose decision has no outcome) it is `final`.
    """
    if interim is None:
        return final
    return max(-1.0, min(1.0, 2.0 * final - interim))


def fresh_policy_params(
    policy: str, params: Mapping[str, object], reward_mode: RewardMode
) -> dict[str, object]:
    """The parameters of a new policy: `params`, plus the retention learning rate under
    `retention_value` for a policy that takes one and was not given one."""
    chosen = dict(params)
    if (
        reward_mode is RewardMode.RETENTION_VALUE
        and "learning_rate" not in chosen
        and "learning_rate" in policies.parameters(policy)
    ):
        chosen["learning_rate"] = RETENTION_LEARNING_RATE
    return chosen
