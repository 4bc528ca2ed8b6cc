"""Decisions looked up by people: one decision with all a reader needs, or a customer's list.

A logged decision keeps what it saw (context, eligible offers with their feature snapshots,
probabilities, scores, the model version), so its reasons can be recomputed later. They are
recomputed with the state that decided whenever it still exists: the live model if it is the
same version, else that version's saved bytes; only when the version is gone do they come
from the current model, and `Explanation.basis` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nba.domain import Decision, Feedback, FeedbackKind, ModelVersion
from nba.errors import InvalidInput, NotFound
from nba.learning.apprentice import Apprentice
from nba.learning.keeper import ModelKeeper, load_policy
from nba.serving.explanations import Explanation, explanation
from nba.storage import (
    Database,
    count_customer_decisions,
    customer_decisions,
    decisions,
    feedback_for,
    get_feedback,
    list_offers,
    models,
)
from policies.base import Candidate, Context, Explainer, Reason, unexplained_note

MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One decision as its page shows it: the log row, its answers, and its reasons.

    `offer_names` maps the offer ids of the decision to their names today.
    """

    decision: Decision
    outcome: Feedback | None
    retention: Feedback | None
    explanation: Explanation
    offer_names: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CustomerDecisions:
    """One page of a customer's decisions, newest first, with their outcomes by decision id."""

    customer_id: str
    decisions: tuple[Decision, ...]
    outcomes: Mapping[str, Feedback]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the customer's decisions fill (at least 1)."""
        return max(1, -(-self.total // self.per_page))


class DecisionLookup:
    """Reads decisions for the console; explains them with the model state that decided."""

    def __init__(
        self,
        database: Database,
        keeper: ModelKeeper,
        apprentice: Apprentice,
        rng: np.random.Generator,
    ) -> None:
        self._database = database
        self._keeper = keeper
        self._apprentice = apprentice
        self._rng = rng
        self._rng_lock = threading.Lock()

    def decision(self, decision_id: str) -> DecisionRecord:
        """A decision with its outcome, retention answer and reasons; NotFound if unknown."""
        with self._database.session(readonly=True) as session:
            found = decisions.get_decision(session, decision_id)
            if found is None:
                raise NotFound("decision", decision_id)
            outcome = get_feedback(session, FeedbackKind.ACCEPTANCE, decision_id)
            retention = get_feedback(session, FeedbackKind.RETENTION, decision_id)
            names = {o.id: o.name for o in list_offers(session)}
        ids = {e.offer_id for e in found.eligible} | {e.offer_id for e in found.excluded}
        return DecisionRecord(
            decision=found,
            outcome=outcome,
            retention=retention,
            explanation=self.explain(found),
            offer_names={i: names[i] for i in ids if i in names},
        )

    def customer(self, customer_id: str, page: int = 1, per_page: int = 20) -> CustomerDecisions:
        """Page `page` (from 1) of a customer's decisions, newest first, with their outcomes."""
        if page < 1:
            raise InvalidInput("page", f"must be 1 or more, got {page}")
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise InvalidInput("per_page", f"must be in [1, {MAX_PER_PAGE}], got {per_page}")
        with self._database.session(readonly=True) as session:
            total = count_customer_decisions(session, customer_id)
            rows = customer_decisions(
                session, customer_id, offset=(page - 1) * per_page, limit=per_page
            )
            outcomes = feedback_for(session, FeedbackKind.ACCEPTANCE, [d.id for d in rows])
        return CustomerDecisions(customer_id, tuple(rows), outcomes, total, page, per_page)

    def explain(self, decision: Decision) -> Explanation:
        """The reasons behind a logged decision's choice, from the state that decided if it
        still exists, with `basis` saying which state gave them."""
        context = Context(
            churn_score=decision.churn_score,
            features=tuple((k, v) for k, v in decision.context if v is not None),
        )
        candidates = [Candidate(e.offer_id, e.category, e.features) for e in decision.eligible]
        index = decision.chosen_index
        ranked_by, live = decision.model_version, self._keeper.model_version
        k = len(candidates)
        by_rules = decision.policy == self._apprentice.policy_name
        if ranked_by is None and by_rules and decision.policy != self._keeper.policy_name:
            reasons = self._apprentice.explain(context, candidates, index)
            basis = "The churn-band rules decided; they do not learn, so these are their reasons."
            return explanation(reasons, candidates=k, cannot=_RULES_CANNOT, basis=basis)
        if ranked_by == live and decision.policy == self._keeper.policy_name:
            reasons, now = self._keeper.explain_live(context, candidates, index)
            if now == ranked_by:
                return explanation(
                    reasons,
                    candidates=k,
                    cannot=self._keeper.cannot_explain(),
                    model_version=now,
                    basis=_live_basis(now),
                )
        if ranked_by is not None:
            stored = self._stored(ranked_by)
            if stored is not None:
                return self._from_stored(stored, context, candidates, index, live)
        reasons, now = self._keeper.explain_live(context, candidates, index)
        return explanation(
            reasons,
            candidates=k,
            cannot=self._keeper.cannot_explain(),
            model_version=now,
            basis=_gone_basis(ranked_by, now),
        )

    def _stored(self, version: int) -> ModelVersion | None:
        with self._database.session(readonly=True) as session:
            return models.get_model_version(session, version)

    def _from_stored(
        self,
        stored: ModelVersion,
        context: Context,
        candidates: Sequence[Candidate],
        index: int,
        live: int | None,
    ) -> Explanation:
        with self._rng_lock:
            policy = load_policy(stored, self._rng)
        reasons: tuple[Reason, ...] | None = None
        if isinstance(policy, Explainer):
            reasons = policy.explain(context, candidates, index)
        now = "no model version is live" if live is None else f"version {live} is live now"
        basis = (
            f"From model version {stored.version}, the version that decided, as it was saved "
            f"({now})."
        )
        return explanation(
            reasons,
            candidates=len(candidates),
            cannot=unexplained_note(policy),
            model_version=stored.version,
            basis=basis,
        )


_RULES_CANNOT = "the churn-band rules decided and cannot say why"


def _live_basis(version: int | None) -> str:
    if version is None:
        return (
            "From the policy that decided, as this process serves it now: no model version "
            "has been saved yet, and it has learned online since."
        )
    return (
        f"From model version {version}, the version that decided, as this process serves it "
        "now (answers learned online since it was saved can shift its weights a little)."
    )


def _gone_basis(ranked_by: int | None, now: int | None) -> str:
    current = "the current model" if now is None else f"the current model version {now}"
    if ranked_by is None:
        before = "This decision was made before any model version was saved"
    else:
        before = f"Model version {ranked_by}, which decided, is no longer stored"
    return (
        f"{before}: these are the reasons of {current}, which may not be why this offer was chosen."
    )
