"""Feedback on decisions: each kind's answer recorded once, rewarded, and learned online."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from nba.clock import utc_now
from nba.config import Settings
from nba.domain import NO_ACTION_ID, Decision, Feedback, FeedbackKind, FeedbackReport, Offer
from nba.errors import Conflict, InvalidInput, NotFound
from nba.learning.online import OnlineLearner
from nba.reward import (
    OFFERS_NOTHING,
    acceptance_reward,
    learned_kinds,
    outcome_reason,
    retention_reward,
)
from nba.serving import budgets
from nba.serving.offer_cache import OfferCache
from nba.serving.offer_counts import OfferCounts
from nba.storage import Database, decisions, get_feedback, offers, record_once

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedbackResult:
    """The answer on record for a decision; `created` is False for a repeated report.

    `offer_id` is the decision's chosen offer, `reason` why the answer has its reward.
    """

    feedback: Feedback
    created: bool
    offer_id: str
    reason: str


class FeedbackRecorder:
    """Records the answers of both kinds, reported or default, by one path.

    Each decision gets at most one answer of each kind: the same report again changes nothing,
    a different one is a Conflict. Every answer recorded is handed to online learning (with
    `online_learning`) if its kind is learned under the reward mode
    (`nba.reward.learned_kinds`): the serving policy sees what the next trainer run learns,
    defaults included. It is learned off the request path (`nba.learning.online`): an answer
    is acknowledged once its row is committed.
    """

    def __init__(
        self,
        *,
        database: Database,
        learner: OnlineLearner,
        offer_cache: OfferCache,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._database = database
        self._learner = learner
        self._offers = offer_cache
        self._settings = settings
        self._clock = clock
        self._learned = (
            learned_kinds(settings.reward.mode) if settings.learning.online_learning else ()
        )
        self._accepted = OfferCounts()

    def accepted_counts(self) -> dict[str, int]:
        """How many accepted outcomes (reported or default) each offer got, since start."""
        return self._accepted.snapshot()

    def record(self, report: FeedbackReport) -> FeedbackResult:
        """Record what the customer did, once; hand it to online learning.

        NotFound for an unknown decision, InvalidInput for an answer before the decision,
        Conflict for an answer different from the one on record. One write transaction reads
        the decision and any earlier answer and inserts the new one, so two identical reports
        racing each other record and learn it once.
        """
        now = self._clock()
        with self._database.session() as session:
            decision = decisions.get_decision(session, report.decision_id)
            if decision is None:
                raise NotFound("decision", report.decision_id)
            if report.ts is not None and report.ts < decision.ts:
                raise InvalidInput("ts", "must not be before the decision was made")
            feedback, interim = self._rewarded(
                session, decision, report.kind, report.answer, report.value, now, report.ts
            )
            recorded, created = record_once(session, feedback)
            if created:
                self._settle_budgets(session, decision, recorded)
        if created:
            self._on_recorded(decision, recorded, interim)
        return FeedbackResult(recorded, created, decision.chosen, self._reason(decision, recorded))

    def record_default(self, decision: Decision, kind: FeedbackKind, answer: bool) -> bool:
        """Give `decision` the default `answer` of `kind` unless an answer came; True if it
        was recorded (and learned, like a reported one)."""
        with self._database.session() as session:
            feedback, interim = self._rewarded(
                session, decision, kind, answer, None, self._clock(), None, source="default"
            )
            try:
                _, created = record_once(session, feedback)
            except Conflict:  # a different answer was reported meanwhile: it stands
                return False
            if created:
                self._settle_budgets(session, decision, feedback)
        if created:
            self._on_recorded(decision, feedback, interim)
        return created

    def get_decision(self, decision_id: str) -> tuple[Decision, Feedback | None]:
        """A logged decision with its outcome (its acceptance answer), if any."""
        with self._database.session(readonly=True) as session:
            decision = decisions.get_decision(session, decision_id)
            if decision is None:
                raise NotFound("decision", decision_id)
            return decision, get_feedback(session, FeedbackKind.ACCEPTANCE, decision_id)

    def _reason(self, decision: Decision, feedback: Feedback) -> str:
        """Why the answer on record has its reward."""
        if feedback.kind is FeedbackKind.RETENTION:
            return (
                f"retention answer for {decision.chosen}: reward {feedback.reward:g}, the "
                "decision's net value less what the churn score expected without any action"
            )
        return outcome_reason(
            self._settings.reward.mode,
            offer_id=decision.chosen,
            accepted=feedback.answer,
            reward=feedback.reward,
            offers_nothing=_offers_nothing(decision),
            source=feedback.source,
        )

    def _on_recorded(self, decision: Decision, feedback: Feedback, interim: float | None) -> None:
        """Count an accept; learn the answer online if its kind is learned."""
        if feedback.kind is FeedbackKind.ACCEPTANCE and feedback.answer:
            self._accepted.add((decision.chosen,))
        if feedback.kind in self._learned:
            self._learner.submit(decision, feedback, interim)

    def _settle_budgets(self, session: Session, decision: Decision, feedback: Feedback) -> None:
        """An outcome consumes (accepted) or releases (declined) the budgets its decision
        reserved, in the transaction that records it (`no_action` never has a budget)."""
        if feedback.kind is not FeedbackKind.ACCEPTANCE or decision.chosen == NO_ACTION_ID:
            return
        offer = self._offer(session, decision)
        budgets.settle(
            session,
            decision.id,
            accepted=feedback.answer,
            offer_id=decision.chosen,
            decided_on=decision.ts.date(),
            cost=offer.cost if offer else 0.0,
            now=feedback.ts,
        )

    def _rewarded(
        self,
        session: Session,
        decision: Decision,
        kind: FeedbackKind,
        answer: bool,
        value: float | None,
        now: datetime,
        occurred_at: datetime | None,
        source: str = "reported",
    ) -> tuple[Feedback, float | None]:
        """The answer with its reward, and the interim (outcome) reward a retention answer
        corrects (None for an outcome, or when the decision has no outcome)."""
        s = self._settings
        offer = self._offer(session, decision)
        cost = offer.cost if offer else 0.0
        interim = None
        if kind is FeedbackKind.ACCEPTANCE:
            reward = acceptance_reward(
                s.reward.mode,
                accepted=answer,
                value=value,
                offer_cost=cost,
                offer_value=offer.value if offer else None,
                scale=s.reward.scale,
                interim=s.reward.retention_interim_reward,
                offers_nothing=_offers_nothing(decision),
            )
        else:
            outcome = get_feedback(session, FeedbackKind.ACCEPTANCE, decision.id)
            reward = retention_reward(
                retained=answer,
                customer_value=s.reward.retention_default_value if value is None else value,
                offer_cost=cost,
                accepted=bool(outcome and outcome.answer),
                scale=s.reward.scale,
                churn_score=decision.churn_score,
            )
            interim = outcome.reward if outcome is not None else None
        feedback = Feedback(kind, decision.id, answer, value, now, source, reward, occurred_at)
        return feedback, interim

    def _offer(self, session: Session, decision: Decision) -> Offer | None:
        version = decision.eligible[decision.chosen_index].version
        cached = self._offers.get(decision.chosen)
        if cached is not None and cached.version == version:
            return cached
        return offers.get_offer(session, decision.chosen, version)


def _offers_nothing(decision: Decision) -> bool:
    """Whether the chosen arm offered the customer nothing (`no_action`, category none)."""
    return decision.eligible[decision.chosen_index].category == OFFERS_NOTHING
