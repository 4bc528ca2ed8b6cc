"""The decision loop: eligibility, rank, sample, log, explain; one transaction per request."""

from __future__ import annotations

import bisect
import logging
import math
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlmodel import Session

from nba.clock import utc_now
from nba.config import Settings
from nba.domain import NO_ACTION_ID, Decision, EligibleOffer, ExcludedOffer, Offer
from nba.errors import NoEligibleOffer, NotFound
from nba.learning.apprentice import Apprentice
from nba.learning.keeper import ModelKeeper, ModelSwapped
from nba.reward import reward_range
from nba.serving import budgets
from nba.serving.contact_rules import ContactRules
from nba.serving.eligibility import Usage, screen_offers, unusable_reason
from nba.serving.explanations import RULES, SWAPPED, Explanation, explanation
from nba.serving.expressions import Expressions
from nba.serving.inputs import DecisionRequest
from nba.serving.offer_cache import OfferCache
from nba.serving.offer_counts import OfferCounts
from nba.serving.uplift_guard import UpliftGuard
from nba.storage import Database, decisions, offers
from policies.base import Candidate, Context, Reason

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """A decision, and the reasons behind it when `explain` was asked for."""

    decision: Decision
    reasons: tuple[Reason, ...] | None = None
    explain_note: str | None = None


class Decider:
    """Answers CRM requests: eligible offers, ranked, one drawn and logged before the reply.

    The apprentice's rules rank while it serves the baseline, else the keeper's live policy
    (whose ranking holds the cold-start floor); the draw is from `rng`, the time from `clock`.
    An active offer it cannot use is left out, logged once per version and counted
    (`unusable_counts`); the decision records it in `excluded`, as it records every active
    candidate that was not eligible, with why (dates, churn range, lists, a condition, a cap,
    a budget), the contact policy's rule, or the uplift guard's (`uplift_guard`: an offer
    flagged as losing value in the customer's churn band). The chosen offer's budgets are
    reserved in the transaction that logs the decision (`nba.serving.budgets`).
    """

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
        contact_rules: ContactRules | None = None,
        uplift_guard: UpliftGuard | None = None,
    ) -> None:
        self._apprentice = apprentice
        self._uplift_guard = uplift_guard
        self._contact_rules = contact_rules
        self._database = database
        self._keeper = keeper
        self._offers = offer_cache
        self._settings = settings
        self._rng = rng
        self._rng_lock = threading.Lock()
        self._clock = clock
        self._unusable_lock = threading.Lock()
        self._reasons: dict[tuple[str, int], str | None] = {}
        self._unusable_counts: dict[str, int] = {}
        self._shown = OfferCounts()
        self._expressions = Expressions()  # each eligibility expression compiled once

    def shown_counts(self) -> dict[str, int]:
        """How many logged decisions chose each offer, by offer id, since start."""
        return self._shown.snapshot()

    def uplift_guard_holds(self) -> int:
        """Decisions in which the uplift guard left an offer out, since start (0 when off)."""
        return 0 if self._uplift_guard is None else self._uplift_guard.held_count()

    def unusable_counts(self) -> dict[str, int]:
        """How many decisions left each unusable offer out, by offer id, since start."""
        with self._unusable_lock:
            return dict(self._unusable_counts)

    def decide(self, request: DecisionRequest) -> DecisionResult:
        """Choose an offer for one customer; replies only after the log row is committed."""
        return self.decide_batch([request])[0]

    def decide_batch(self, requests: Sequence[DecisionRequest]) -> list[DecisionResult]:
        """Decide several requests; all rows are committed together, or none."""
        now = self._clock()
        planned: list[tuple[DecisionResult, Offer]] = []
        before: list[tuple[Decision, ...]] = []  # each request's earlier contacts in the batch
        earlier: dict[str, list[Decision]] = {}  # by customer
        for request in requests:
            mine = earlier.setdefault(request.customer_id, [])
            before.append(tuple(mine))
            planned.append(self._plan(request, now, before[-1]))
            mine.append(planned[-1][0].decision)
        # Reserved in the order of the chosen offers, so that two batches lock budget rows in
        # one order and never wait for each other in a cycle (PostgreSQL would abort one).
        order = sorted(range(len(planned)), key=lambda i: planned[i][1].id)
        if any(offer.caps.has_budget for _, offer in planned):
            with self._database.session() as session:
                for i in order:
                    planned[i] = self._reserved(session, requests[i], planned[i], now, before[i])
                decisions.add_decisions(session, [result.decision for result, _ in planned])
        else:  # nothing to reserve: the rows alone, by the prepared insert
            decisions.log_decisions(self._database, [result.decision for result, _ in planned])
        results = [result for result, _ in planned]
        self._shown.add(result.decision.chosen for result in results)
        for result in results:
            d = result.decision
            log.debug("decision_id=%s offer=%s p=%.4f", d.id, d.chosen, d.propensity)
        return results

    def _reserved(
        self,
        session: Session,
        request: DecisionRequest,
        planned: tuple[DecisionResult, Offer],
        now: datetime,
        earlier: Sequence[Decision] = (),
    ) -> tuple[DecisionResult, Offer]:
        """The decision once its offer's budgets are reserved in `session`: when another
        decision took the last of one meanwhile, the request is decided again without it."""
        refused: dict[str, str] = {}
        result, offer = planned
        while (
            reason := budgets.reserve_offer(session, result.decision.id, offer, now)
        ) is not None:
            refused[offer.id] = reason
            result, offer = self._plan(request, now, earlier, refused)
        return result, offer

    def preview(self, request: DecisionRequest) -> DecisionResult:
        """The decision `decide` would make now, ranked and drawn but not logged: for
        measuring the decision path without the log write.

        It draws from the same stream as `decide`, so it changes the draws that follow; its
        decision is in no log, so it must never reach a customer.
        """
        return self._plan(request, self._clock())[0]

    def _plan(
        self,
        request: DecisionRequest,
        now: datetime,
        earlier: Sequence[Decision] = (),
        refused: Mapping[str, str] | None = None,
    ) -> tuple[DecisionResult, Offer]:
        """The decision for `request` and its chosen offer. `earlier` are the customer's
        decisions made before it in the same batch (contacts for the contact policy);
        `refused` offers are left out with their reasons (budgets taken since they were read).
        """
        chosen_offers, excluded = self._eligible(request, now, earlier, refused or {})
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
            ranking, model_version = self._keeper.rank(context, candidates)
            policy_name = self._keeper.policy_name
        # The ranking already holds the policy's cold-start floor (policies/cold_start.py).
        probabilities = tuple(float(p) for p in ranking.probabilities)
        with self._rng_lock:
            uniform = float(self._rng.random())
        index = drawn(probabilities, uniform)
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
            scores=self._clipped(ranking.scores),
            chosen=candidates[index].offer_id,
            propensity=probabilities[index],
            policy=policy_name,
            model_version=model_version,
            excluded=excluded,
        )
        if not request.explain:
            return DecisionResult(decision), chosen_offers[index]
        explained = self._explain(context, candidates, index, model_version, baseline)
        return DecisionResult(decision, explained.reasons, explained.note), chosen_offers[index]

    def _clipped(self, scores: Sequence[float]) -> tuple[float, ...]:
        # A linear estimate of the reward can pass the ends of its range (-0.05 for a chance
        # of acceptance): the reply's score is an estimate of the reward, so it stays inside.
        low, high = reward_range(self._settings.reward.mode)
        return tuple(min(high, max(low, float(s))) for s in scores)

    def _explain(
        self,
        context: Context,
        candidates: Sequence[Candidate],
        index: int,
        model_version: int | None,
        baseline: bool,
    ) -> Explanation:
        k = len(candidates)
        if baseline:
            assert self._apprentice is not None
            reasons = self._apprentice.explain(context, candidates, index)
            return explanation(reasons, candidates=k, cannot=RULES)
        try:
            reasons = self._keeper.explain(context, candidates, index, model_version)
        except ModelSwapped:
            return Explanation(None, SWAPPED)
        cannot = self._keeper.cannot_explain() if reasons is None else ""
        return explanation(reasons, candidates=k, cannot=cannot, model_version=model_version)

    def _eligible(
        self,
        request: DecisionRequest,
        now: datetime,
        earlier: Sequence[Decision],
        taken: Mapping[str, str],
    ) -> tuple[list[Offer], tuple[ExcludedOffer, ...]]:
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
        active, excluded = self._usable(active)
        context = dict(request.context)
        usage = self._usage(request.customer_id, active, now, taken)
        found, refused = screen_offers(
            active,
            churn_score=request.churn_score,
            context=context,
            channel=request.channel,
            now=now,
            usage=usage,
            expressions=self._expressions,
        )
        if self._contact_rules is not None:
            found, held = self._contact_rules.screen(
                request.customer_id, request.channel, found, now, earlier, context
            )
            refused.extend(held)
        if self._uplift_guard is not None:
            found, held = self._uplift_guard.screen(request.churn_score, found)
            refused.extend(held)
        if not found:
            raise NoEligibleOffer("no offer is eligible for this customer", field="offer_ids")
        ineligible = tuple(ExcludedOffer(o.id, o.version, why) for o, why in refused)
        return found, excluded + ineligible

    def _usable(
        self, active: Sequence[Offer]
    ) -> tuple[tuple[Offer, ...], tuple[ExcludedOffer, ...]]:
        """The offers a decision can use, and the others with why (each counted once more)."""
        usable: list[Offer] = []
        excluded: list[ExcludedOffer] = []
        for offer in active:
            key = (offer.id, offer.version)
            reason = self._reasons[key] if key in self._reasons else self._judge(offer)
            if reason is None:
                usable.append(offer)
            else:
                excluded.append(ExcludedOffer(offer.id, offer.version, f"unusable: {reason}"))
        if not excluded:
            return tuple(usable), ()
        with self._unusable_lock:
            for e in excluded:
                self._unusable_counts[e.offer_id] = self._unusable_counts.get(e.offer_id, 0) + 1
        return tuple(usable), tuple(excluded)

    def _judge(self, offer: Offer) -> str | None:
        """Whether this offer version is usable, decided (and logged) once per version."""
        with self._unusable_lock:
            key = (offer.id, offer.version)
            if key in self._reasons:
                return self._reasons[key]
            reason = self._reasons[key] = unusable_reason(offer, self._expressions)
        if reason is not None:
            log.warning(
                "offer %s version %d is left out of every decision, nba cannot use it: %s",
                offer.id,
                offer.version,
                reason,
            )
        return reason

    def _raise_unknown_offer(self, offer_id: str) -> None:
        with self._database.session(readonly=True) as session:
            stored = offers.get_offer(session, offer_id)
        if stored is None:
            raise NotFound("offer", offer_id)
        raise NoEligibleOffer(
            f"offer {offer_id!r} is {stored.status}, not active", field="offer_ids"
        )

    def _usage(
        self,
        customer_id: str,
        active: Sequence[Offer],
        now: datetime,
        taken: Mapping[str, str],
    ) -> Usage | None:
        capped = [o for o in active if o.caps.max_per_customer is not None]
        budgeted = [o for o in active if o.caps.has_budget and o.id not in taken]
        if not capped and not budgeted and not taken:
            return None
        with self._database.session(readonly=True) as session:
            contacts: dict[str, int] = {}
            for offer in capped:
                since = now - timedelta(days=offer.caps.window_days)
                contacts.update(offers.offer_counts(session, customer_id, [offer.id], since))
            ledger = budgets.budget_refusals(session, budgeted, now) if budgeted else {}
        return Usage(contacts=contacts, budgets={**ledger, **taken})


def drawn(probabilities: Sequence[float], uniform: float) -> int:
    """The index a uniform draw in [0, 1) picks from `probabilities` (normalised here).

    What numpy's `Generator.choice(k, p=...)` does with the one `random()` it draws (the
    cumulative sums, divided by the last, searched to the right), without building arrays
    for 8 offers: the same seed draws the same offers.
    """
    total = 0.0
    cumulative: list[float] = []
    for p in probabilities:
        if not 0.0 <= p < math.inf:
            raise ValueError(f"probabilities must be finite and non-negative, got {p!r}")
        total += p
        cumulative.append(total)
    if not total > 0.0:
        raise ValueError("probabilities must not all be 0")
    index = bisect.bisect_right([c / total for c in cumulative], uniform)
    return min(index, len(cumulative) - 1)
