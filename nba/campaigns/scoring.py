"""Scores of a batch of customers with the active model: expected reward and accepts per offer.

The policy's `rank` scores (its estimate of each eligible offer's reward, on the learner's
scale, clipped to the reward's range) give the expected reward; the expected accepts follow
from them by the reward mode (`acceptance`: the score is the chance of acceptance;
`net_value`: the score times the scale over the offer's net value). Offers a customer is not
eligible for score -inf. `no_action` (column 0) is eligible for everyone and accepts nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from nba.campaigns.linear import TOLERANCE, LinearScorer
from nba.campaigns.reading import CustomerBatch
from nba.config import RewardMode
from nba.domain import NO_ACTION_ID, Eligibility, Offer
from nba.reward import reward_range
from nba.serving.eligibility import is_eligible
from policies.base import Candidate, Context, Policy

FloatArray = npt.NDArray[np.float64]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Scores:
    """Per customer (rows) and offer (columns, the campaign's order, `no_action` first).

    `rewards`: expected reward, -inf where not eligible; `accepts`: expected accepts (0 where
    not eligible); `eligible`: the mask.
    """

    rewards: FloatArray
    accepts: FloatArray
    eligible: npt.NDArray[np.bool_]

    def take(self, index: npt.NDArray[np.int64]) -> Scores:
        return Scores(self.rewards[index], self.accepts[index], self.eligible[index])

    @staticmethod
    def concat(parts: Sequence[Scores], k: int) -> Scores:
        if not parts:
            empty = np.zeros((0, k))
            return Scores(empty, empty.copy(), np.zeros((0, k), dtype=bool))
        return Scores(
            np.concatenate([p.rewards for p in parts]),
            np.concatenate([p.accepts for p in parts]),
            np.concatenate([p.eligible for p in parts]),
        )


class CampaignScorer:
    """Scores batches with one policy object over the campaign's offers (no_action first).

    A VW model is scored a batch at a time by `LinearScorer` once it reproduced VW's own
    scores on the first customers (within `linear.TOLERANCE`); any other policy, or a VW
    model it cannot reproduce, one `rank` per customer.
    """

    def __init__(
        self,
        policy: Policy,
        offers: Sequence[Offer],
        *,
        reward_mode: RewardMode,
        reward_scale: float,
        channel: str | None,
        now: datetime,
    ) -> None:
        if not offers or offers[0].id != NO_ACTION_ID:
            raise ValueError("the campaign's offers start with no_action")
        self._policy = policy
        self._offers = tuple(offers)
        self._column = {o.id: j for j, o in enumerate(offers)}
        self._candidates = {o.id: Candidate(o.id, o.category, o.features) for o in offers}
        self._restricted = [j for j, o in enumerate(offers) if j and _is_restricted(o)]
        self._channel = channel
        self._now = now
        self._low, self._high = reward_range(reward_mode)
        self._per_reward = _accepts_per_reward(offers, reward_mode, reward_scale)
        self._linear: LinearScorer | None = None
        self._is_linear_checked = False

    @property
    def offers(self) -> tuple[Offer, ...]:
        return self._offers

    @property
    def is_linear(self) -> bool:
        """Whether batches are scored at once (a VW model reproduced by `LinearScorer`)."""
        return self._linear is not None

    def score(self, batch: CustomerBatch) -> Scores:
        """Expected reward and accepts of every eligible offer for each customer."""
        if not self._is_linear_checked and batch.size:
            self._linear = self._linear_scorer(batch)
            self._is_linear_checked = True
        eligible = self._eligible(batch)
        if self._linear is not None and batch.columns is not None:
            raw = self._linear.column_scores(batch.churn_scores, batch.columns)
        elif self._linear is not None:
            raw = self._linear.scores(batch.churn_scores.tolist(), batch.contexts)
        else:
            raw = self._ranked(batch, eligible)
        rewards = np.where(eligible, np.clip(raw, self._low, self._high), -np.inf)
        accepts = np.where(eligible, np.clip(rewards * self._per_reward, 0.0, 1.0), 0.0)
        accepts[:, 0] = 0.0
        return Scores(rewards, accepts, eligible)

    def _eligible(self, batch: CustomerBatch) -> npt.NDArray[np.bool_]:
        eligible = np.ones((batch.size, len(self._offers)), dtype=bool)
        if not self._restricted:
            return eligible
        restricted = [self._offers[j] for j in self._restricted]
        for i in range(batch.size):
            context = dict(batch.contexts[i])
            churn = float(batch.churn_scores[i])
            for j, offer in zip(self._restricted, restricted, strict=True):
                eligible[i, j] = is_eligible(
                    offer, churn_score=churn, context=context, channel=self._channel, now=self._now
                )
        return eligible

    def _ranked(self, batch: CustomerBatch, eligible: npt.NDArray[np.bool_]) -> FloatArray:
        """One `rank` per customer over their eligible offers; -inf elsewhere."""
        scores = np.full(eligible.shape, -np.inf)
        ids = [o.id for o in self._offers]
        for i in range(batch.size):
            columns = np.flatnonzero(eligible[i]).tolist()
            ranking = self._policy.rank(
                Context(churn_score=float(batch.churn_scores[i]), features=batch.contexts[i]),
                [self._candidates[ids[j]] for j in columns],
            )
            scores[i, columns] = ranking.scores
        return scores

    def _linear_scorer(self, batch: CustomerBatch) -> LinearScorer | None:
        """A LinearScorer if the policy is VW's and it reproduces VW on these customers."""
        vw_model = getattr(self._policy, "vw_model", None)
        exploration = self._policy.params.get("exploration")
        if not callable(vw_model) or not isinstance(exploration, str):
            return None
        linear = LinearScorer(vw_model(), exploration, list(self._candidates.values()))
        probe = batch.take(np.arange(batch.size) < CHECKED_ROWS)
        everything = np.ones((probe.size, len(self._offers)), dtype=bool)
        difference = linear.check(
            self._ranked(probe, everything), probe.churn_scores, probe.contexts, probe.columns
        )
        if difference > TOLERANCE:
            log.warning(
                "VW's scores differ from their linear form by %.3g: scoring one customer at a time",
                difference,
            )
            return None
        return linear


CHECKED_ROWS = 64
"""Customers on which the batch scorer is checked against the policy's own scores."""


def _is_restricted(offer: Offer) -> bool:
    """Whether some customers may not get the offer (rules or dates; its status is checked)."""
    return (
        offer.eligibility != Eligibility()
        or offer.starts_at is not None
        or offer.ends_at is not None
    )


def _accepts_per_reward(offers: Sequence[Offer], mode: RewardMode, scale: float) -> FloatArray:
    """Expected accepts per unit of expected reward, by offer."""
    if mode is RewardMode.ACCEPTANCE:
        return np.ones(len(offers))
    if mode is RewardMode.NET_VALUE:
        net = np.array([(o.value or 0.0) - o.cost for o in offers])
        return np.where(net > 0, scale / np.where(net > 0, net, 1.0), 0.0)
    # retention_value learns the value of keeping the customer, not acceptance: no estimate
    # of accepts follows from it (the runner refuses budgets under it).
    return np.zeros(len(offers))
