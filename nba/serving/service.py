"""The decision loop: eligibility, rank, sample, log; outcomes recorded once and learned."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from nba.clock import utc_now
from nba.config import RewardMode, Settings
from nba.domain import NO_ACTION_ID, Decision, EligibleOffer, Offer, Outcome, Retention
from nba.errors import Conflict, InvalidInput, NoEligibleOffer, NotFound
from nba.learning.apprentice import Apprentice
from nba.learning.keeper import ModelKeeper
from nba.serving.eligibility import Usage, eligible_offers
from nba.serving.inputs import DecisionRequest, OutcomeReport
from nba.serving.offer_cache import OfferCache
from nba.serving.retention import RetentionReport, RetentionResult, retention_reward
from nba.serving.reward import reward_for
from nba.storage import (
    Database,
    add_retention,
    decisions,
    decisions_without_retention,
    get_retention,
    offers,
    outcomes,
)
from policies.base import Candidate, Context, Reason

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """A committed decision, and the reasons behind it when `explain` was asked for."""

    decision: Decision
    reasons: tuple[Reason, ...] | None = None
    explain_note: str | None = None


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """The outcome on record for a decision; `created` is False for a repeated report."""

    outcome: Outcome
    created: bool


class DecisionService:
    """Answers CRM requests and records outcomes; owns each transaction."""

    def __init__(
        self,
        *,
        database: Database,
        keeper: ModelKeeper,
        offer_cache: OfferCache,
        settings: Settings,
        rng: np.random.Generator,
        clock: Callable[[], datetime] = utc_now,
        apprentice: Apprentice | None = None,
    ) -> None:
        self._apprentice = apprentice
        self._database = database
        self._keeper = keeper
        self._offers = offer_cache
        self._settings = settings
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._clock = clock

    def decide(self, request: DecisionRequest) -> DecisionResult:
        """Choose an offer for one customer; replies only after the log row is committed."""
        return self.decide_batch([request])[0]

    def decide_batch(self, requests: Sequence[DecisionRequest]) -> list[DecisionResult]:
        """Decide several requests; all rows are committed together, or none."""
        now = self._clock()
        planned = [self.prepare(request, now) for request in requests]
        with self._database.session() as session:
            decisions.add_decisions(session, [result.decision for result in planned])
        for result in planned:
            d = result.decision
            log.debug("decision_id=%s offer=%s p=%.4f", d.id, d.chosen, d.propensity)
        return planned

    def prepare(self, request: DecisionRequest, now: datetime) -> DecisionResult:
        """The decision for a request, ranked and sampled but not yet logged (benchmarks)."""
        chosen_offers = self._eligible(request, now)
        context = Context(
            churn_score=request.churn_score,
            features=tuple((k, v) for k, v in request.context if v is not None),
        )
        candidates = [Candidate(o.id, o.category, o.features) for o in chosen_offers]
        baseline = self._apprentice is not None and self._apprentice.is_serving_baseline
        if baseline:
            assert self._apprentice is not None
            ranking = self._apprentice.rank(context, candidates)
            policy_name, model_version = self._apprentice.policy_name, None
        else:
            ranking = self._keeper.rank(context, candidates)
            policy_name, model_version = self._keeper.policy_name, self._keeper.model_version
        # The ranking already holds the policy's cold-start floor (policies/cold_start.py).
        probabilities = tuple(float(p) for p in ranking.probabilities)
        with self._rng_lock:
            index = int(self._rng.choice(len(candidates), p=_normalised(probabilities)))
        # Ids come from the OS, not the seeded stream: workers started with one NBA_SEED
        # would otherwise draw the same ids and collide in the log.
        decision_id = str(uuid.uuid4())
        decision = Decision(
            id=decision_id,
            ts=now,
            customer_id=request.customer_id,
            churn_score=request.churn_score,
            context=request.context,
            channel=request.channel,
            eligible=tuple(
                EligibleOffer(o.id, o.version, o.category, o.features) for o in chosen_offers
            ),
            probabilities=probabilities,
            scores=tuple(float(s) for s in ranking.scores),
            chosen=candidates[index].offer_id,
            propensity=probabilities[index],
            policy=policy_name,
            model_version=model_version,
        )
        if not request.explain:
            return DecisionResult(decision)
        if baseline:
            return DecisionResult(decision, None, "the churn-band rules decide (apprentice mode)")
        reasons = self._keeper.explain(context, candidates, index)
        if reasons is None:
            note = f"policy {self._keeper.policy_name!r} cannot attribute its scores to features"
            return DecisionResult(decision, None, note)
        if not reasons:
            note = "the model has learned no weight for these features yet"
            return DecisionResult(decision, reasons, note)
        return DecisionResult(decision, reasons)

    def _eligible(self, request: DecisionRequest, now: datetime) -> list[Offer]:
        active = self._offers.active()
        if request.offer_ids is not None:
            known = {o.id for o in active}
            for offer_id in request.offer_ids:
                if offer_id not in known:
                    self._raise_unknown_offer(offer_id)
            wanted = set(request.offer_ids) | {NO_ACTION_ID}
            active = tuple(o for o in active if o.id in wanted)
        if not self._settings.serving.no_action_enabled:
            active = tuple(o for o in active if o.id != NO_ACTION_ID)
        context = dict(request.context)
        usage = self._usage(request.customer_id, active, now)
        found = eligible_offers(
            active,
            churn_score=request.churn_score,
            context=context,
            channel=request.channel,
            now=now,
            usage=usage,
        )
        if not found:
            raise NoEligibleOffer("no offer is eligible for this customer", field="offer_ids")
        return found

    def _raise_unknown_offer(self, offer_id: str) -> None:
        with self._database.session(readonly=True) as session:
            stored = offers.get_offer(session, offer_id)
        if stored is None:
            raise NotFound("offer", offer_id)
        raise NoEligibleOffer(
            f"offer {offer_id!r} is {stored.status}, not active", field="offer_ids"
        )

    def _usage(self, customer_id: str, active: Sequence[Offer], now: datetime) -> Usage | None:
        capped = [o for o in active if o.caps.max_per_customer is not None]
        budgeted = [o for o in active if o.caps.budget_accepts is not None or o.caps.budget_money]
        if not capped and not budgeted:
            return None
        with self._database.session(readonly=True) as session:
            contacts: dict[str, int] = {}
            for offer in capped:
                since = now - timedelta(days=offer.caps.window_days)
                contacts.update(offers.offer_counts(session, customer_id, [offer.id], since))
            spent = offers.offer_budget_used(session, [o.id for o in budgeted]) if budgeted else {}
        return Usage(
            contacts=contacts,
            accepts={k: v[0] for k, v in spent.items()},
            money={k: v[1] for k, v in spent.items()},
        )

    def record_outcome(self, report: OutcomeReport) -> OutcomeResult:
        """Record what the customer did, once; learn it online right away.

        One write transaction reads the decision and any earlier outcome and inserts the new
        one, so two identical reports racing each other record and learn it once.
        """
        now = self._clock()
        with self._database.session() as session:
            decision = decisions.get_decision(session, report.decision_id)
            if decision is None:
                raise NotFound("decision", report.decision_id)
            existing = outcomes.get_outcome(session, report.decision_id)
            if existing is not None:
                return OutcomeResult(_same_or_conflict(existing, report), created=False)
            if report.ts is not None and report.ts < decision.ts:
                raise InvalidInput("ts", "must not be before the decision was made")
            outcome = Outcome(
                decision_id=decision.id,
                accepted=report.accepted,
                value=report.value,
                ts=now,
                source="reported",
                reward=self._reward(self._offer(session, decision), report.accepted, report.value),
                occurred_at=report.ts,
            )
            try:
                outcomes.add_outcome(session, outcome)
            except IntegrityError:
                # Another process recorded this decision's outcome after our read (PostgreSQL).
                existing = outcomes.get_outcome(session, report.decision_id)
                if existing is None:
                    raise
                return OutcomeResult(_same_or_conflict(existing, report), created=False)
        if self._settings.learning.online_learning:
            self._keeper.learn(decision, outcome)
        return OutcomeResult(outcome, created=True)

    def _offer(self, session: Session, decision: Decision) -> Offer | None:
        version = _chosen_version(decision)
        cached = self._offers.get(decision.chosen)
        if cached is not None and cached.version == version:
            return cached
        return offers.get_offer(session, decision.chosen, version)

    def apply_default_outcomes(self, limit: int = 1000) -> int:
        """Give decisions older than the reward window the default outcome; returns how many."""
        now = self._clock()
        cutoff = now - timedelta(days=self._settings.reward.window_days)
        with self._database.session(readonly=True) as session:
            stale = decisions.decisions_without_outcome(session, cutoff, limit)
        recorded = 0
        for decision in stale:
            with self._database.session() as session:
                accepted = self._settings.reward.default_accepted
                reward = self._reward(self._offer(session, decision), accepted, None)
                outcome = Outcome(decision.id, accepted, None, now, "default", reward)
                try:
                    outcomes.add_outcome(session, outcome)
                except IntegrityError:
                    continue
            recorded += 1
            if self._settings.learning.online_learning:
                self._keeper.learn(decision, outcome)
        return recorded

    def record_retention(self, report: RetentionReport) -> RetentionResult:
        """Record whether the customer stayed, once; same rules as outcomes (200/409/404)."""
        now = self._clock()
        with self._database.session() as session:
            decision = decisions.get_decision(session, report.decision_id)
            if decision is None:
                raise NotFound("decision", report.decision_id)
            existing = get_retention(session, report.decision_id)
            if existing is not None:
                return RetentionResult(_same_retention_or_conflict(existing, report), False)
            if report.ts is not None and report.ts < decision.ts:
                raise InvalidInput("ts", "must not be before the decision was made")
            found, interim = self._retention(session, decision, report.retained, report.value, now)
            retention = Retention(
                found.decision_id, report.retained, report.value, now, "reported",
                found.reward, report.ts,
            )  # fmt: skip
            try:
                add_retention(session, retention)
            except IntegrityError:
                existing = get_retention(session, report.decision_id)
                if existing is None:
                    raise
                return RetentionResult(_same_retention_or_conflict(existing, report), False)
        if (
            self._settings.learning.online_learning
            and self._settings.reward.mode is RewardMode.RETENTION_VALUE
        ):
            self._keeper.learn_retention(decision, retention, interim)
        return RetentionResult(retention, created=True)

    def apply_default_retention(self, limit: int = 1000) -> int:
        """Give decisions older than the retention window the default answer; returns how many."""
        now = self._clock()
        cutoff = now - timedelta(days=self._settings.reward.retention_window_days)
        with self._database.session(readonly=True) as session:
            stale = decisions_without_retention(session, cutoff, limit)
        recorded = 0
        for decision in stale:
            retained = self._settings.reward.retention_default_retained
            with self._database.session() as session:
                found, _ = self._retention(session, decision, retained, None, now)
                retention = Retention(decision.id, retained, None, now, "default", found.reward)
                try:
                    add_retention(session, retention)
                except IntegrityError:
                    continue
            recorded += 1
        return recorded

    def _retention(
        self,
        session: Session,
        decision: Decision,
        retained: bool,
        value: float | None,
        now: datetime,
    ) -> tuple[Retention, float | None]:
        """The answer's reward, and the interim (outcome) reward it corrects, if any."""
        outcome = outcomes.get_outcome(session, decision.id)
        offer = self._offer(session, decision)
        reward = retention_reward(
            retained=retained,
            customer_value=self._settings.reward.retention_default_value
            if value is None
            else value,
            offer_cost=offer.cost if offer else 0.0,
            accepted=bool(outcome and outcome.accepted),
            scale=self._settings.reward.scale,
            churn_score=decision.churn_score,
        )
        interim = outcome.reward if outcome is not None else None
        return Retention(decision.id, retained, value, now, "reported", reward), interim

    def get_decision(self, decision_id: str) -> tuple[Decision, Outcome | None]:
        """A logged decision with its outcome, if any."""
        with self._database.session(readonly=True) as session:
            decision = decisions.get_decision(session, decision_id)
            if decision is None:
                raise NotFound("decision", decision_id)
            return decision, outcomes.get_outcome(session, decision_id)

    def _reward(self, offer: Offer | None, accepted: bool, value: float | None) -> float:
        return reward_for(
            self._settings.reward.mode,
            accepted=accepted,
            value=value,
            offer_cost=offer.cost if offer else 0.0,
            offer_value=offer.value if offer else None,
            scale=self._settings.reward.scale,
            interim=self._settings.reward.retention_interim_reward,
        )


def _chosen_version(decision: Decision) -> int:
    return decision.eligible[decision.chosen_index].version


def _same_or_conflict(existing: Outcome, report: OutcomeReport) -> Outcome:
    if existing.accepted == report.accepted and existing.value == report.value:
        return existing
    raise Conflict(
        f"decision {report.decision_id!r} already has a different outcome",
        field="accepted",
        recorded={"accepted": existing.accepted, "value": existing.value},
    )


def _same_retention_or_conflict(existing: Retention, report: RetentionReport) -> Retention:
    if existing.retained == report.retained and existing.value == report.value:
        return existing
    raise Conflict(
        f"decision {report.decision_id!r} already has a different retention answer",
        field="retained",
        recorded={"retained": existing.retained, "value": existing.value},
    )


def _normalised(probabilities: Sequence[float]) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64)
    return p / p.sum()
