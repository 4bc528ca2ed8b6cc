"""Domain values of nba: offers, decisions and their feedback as they cross layers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypedDict

from policies.base import Features

CATEGORIES = ("discount", "device", "loyalty", "data_bonus", "upsell", "service", "none")
STATUSES = ("active", "paused", "retired")
NO_ACTION_ID = "no_action"

ContextValue = float | int | str | bool | None


@dataclass(frozen=True, slots=True)
class Condition:
    """A simple rule on one context field, e.g. `tenure_months ge 24` or `plan in [gold]`.

    Operators: eq, ne, lt, le, gt, ge, in, not_in. A missing field fails the condition.
    """

    field: str
    op: str
    value: float | str | bool | tuple[float | str, ...]


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who may receive an offer: churn-score range, segment / plan / channel lists, conditions,
    and an expression (`nba.serving.expressions`), all of which must hold.

    Empty lists mean "any". `segments` match the context field `segment`, `plans` the field
    `plan`; `channels` match the request's channel. `expression` None means none.
    """

    churn_min: float = 0.0
    churn_max: float = 1.0
    segments: tuple[str, ...] = ()
    plans: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    expression: str | None = None


@dataclass(frozen=True, slots=True)
class Caps:
    """Contact and budget limits: per customer within a window; budgets in total and per UTC
    day, in accepts or in money (`nba.serving.budgets` reserves and settles them)."""

    max_per_customer: int | None = None
    window_days: int = 30
    budget_accepts: int | None = None
    budget_money: float | None = None
    budget_accepts_per_day: int | None = None
    budget_money_per_day: float | None = None

    @property
    def has_budget(self) -> bool:
        """Whether the offer has a budget, in accepts or in money, in total or per day."""
        return any(
            limit is not None
            for limit in (
                self.budget_accepts,
                self.budget_money,
                self.budget_accepts_per_day,
                self.budget_money_per_day,
            )
        )

    def budget_allows(self, accepts: int, spent: float, cost: float) -> bool:
        """Whether an offer that has had `accepts` accepts costing `spent` in total may be shown
        again: fewer accepts than `budget_accepts`, and room for one more accept of `cost`."""
        if self.budget_accepts is not None and accepts >= self.budget_accepts:
            return False
        return self.budget_money is None or spent + cost <= self.budget_money


@dataclass(frozen=True, slots=True)
class BudgetState:
    """One budget of the reservation ledger: its limit, and what is reserved and consumed.

    `unit` is `accepts` or `money`; `reserved` is held by decisions with no outcome yet,
    `consumed` spent by accepts. A decision may reserve `amount` while
    `reserved + consumed + amount <= limit`.
    """

    scope: str
    unit: str
    limit: float
    reserved: float = 0.0
    consumed: float = 0.0

    @property
    def remaining(self) -> float:
        """What later decisions may still reserve (never below 0)."""
        return max(0.0, self.limit - self.reserved - self.consumed)


@dataclass(frozen=True, slots=True)
class Offer:
    """One retention offer (a bandit arm) at one version."""

    id: str
    name: str
    category: str
    description: str = ""
    cost: float = 0.0
    value: float | None = None
    features: Features = ()
    eligibility: Eligibility = field(default_factory=Eligibility)
    caps: Caps = field(default_factory=Caps)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    status: str = "active"
    version: int = 1
    created_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class EligibleOffer:
    """The snapshot of one eligible offer that a decision logs (enough to relearn later)."""

    offer_id: str
    version: int
    category: str
    features: Features = ()


@dataclass(frozen=True, slots=True)
class ExcludedOffer:
    """An active offer a decision left out although it was a candidate, and why.

    `reason` starts with the rule's name: `unusable:` for an offer nba cannot use at all (a
    value stored before the limits of today, say), else the eligibility rule the offer failed
    for this customer (`dates:`, `churn score:`, `segment:`, `plan:`, `channel:`,
    `condition:`, `expression:`, `contact cap:`, `budget:`), or the contact policy's rule
    (`suppressed:`, `quiet hours:`, `contact limit:`, `cool-down:`), or the uplift guard's
    (`uplift guard:`, an offer flagged as losing value in the customer's churn band). Offers
    the request's `offer_ids` left out, and offers that are not active, are not recorded;
    older decisions record unusable offers only.
    """

    offer_id: str
    version: int
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    """One logged decision: the full row of the decision log.

    `probabilities` and `scores` follow `eligible`; `propensity` is the chosen offer's
    probability. `excluded` lists the active offers left out, with why (`ExcludedOffer`).
    """

    id: str
    ts: datetime
    customer_id: str
    churn_score: float
    context: tuple[tuple[str, ContextValue], ...]
    channel: str | None
    eligible: tuple[EligibleOffer, ...]
    probabilities: tuple[float, ...]
    scores: tuple[float, ...]
    chosen: str
    propensity: float
    policy: str
    model_version: int | None
    excluded: tuple[ExcludedOffer, ...] = ()

    @property
    def chosen_index(self) -> int:
        return next(i for i, e in enumerate(self.eligible) if e.offer_id == self.chosen)

    @property
    def context_dict(self) -> dict[str, ContextValue]:
        return dict(self.context)


class FeedbackKind(StrEnum):
    """What a feedback answers: did the customer accept the offer, or stay weeks later.

    Each decision gets at most one answer of each kind, reported by the CRM or, when none
    comes inside the kind's window, the default.
    """

    ACCEPTANCE = "acceptance"
    RETENTION = "retention"

    @property
    def answer_field(self) -> str:
        """The answer's name in the HTTP API, the log and its table: `accepted`, `retained`."""
        return "accepted" if self is FeedbackKind.ACCEPTANCE else "retained"

    @property
    def noun(self) -> str:
        """What an answer of this kind is called in messages: an outcome, a retention answer."""
        return "outcome" if self is FeedbackKind.ACCEPTANCE else "retention answer"


@dataclass(frozen=True, slots=True)
class Feedback:
    """An answer on record for a decision: its kind, the answer, its value and its reward.

    `answer` is whether the customer accepted (acceptance) or stayed (retention). `source` is
    `reported` (the CRM said) or `default` (no answer inside the kind's window). `ts` is when
    nba recorded it (learning follows it); `occurred_at` is when the customer answered, as the
    CRM reported it. `reward` is on the policies' scale, by the reward mode in force.
    """

    kind: FeedbackKind
    decision_id: str
    answer: bool
    value: float | None
    ts: datetime
    source: str
    reward: float
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class FeedbackReport:
    """A CRM's answer for decision `decision_id`, before it is recorded.

    `value` is what the CRM says the answer was worth (the outcome's value, the customer's
    value); `ts` is when the customer answered, if the CRM says.
    """

    kind: FeedbackKind
    decision_id: str
    answer: bool
    value: float | None = None
    ts: datetime | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A background job kept in the database: what it was asked (`spec`), its status
    (pending, running, done, failed), and its `results` or `error`.

    An `Evaluation` is an off-policy evaluation job; a `WhatIfRun` a proposed offer catalogue
    run against the current one in the simulator (its `spec` holds the catalogue file's text
    and the run's size, its `results` the comparison, `simulator.what_if_report.result_json`).
    """

    id: str
    status: str  # pending, running, done, failed
    spec: tuple[tuple[str, object], ...]
    created_at: datetime
    finished_at: datetime | None = None
    results: tuple[tuple[str, object], ...] = ()
    error: str | None = None


Evaluation = Job
WhatIfRun = Job


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """A saved policy state with its metadata; `data` is the policy's `save()` bytes."""

    version: int
    policy: str
    params: tuple[tuple[str, object], ...]
    data: bytes
    watermark: datetime | None
    created_at: datetime
    metrics: tuple[tuple[str, float], ...] = ()
    is_active: bool = False
    is_pinned: bool = False


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key's record: the secret itself is never stored, only its hash."""

    id: str
    role: str
    name: str
    created_at: datetime
    is_revoked: bool = False
    expires_at: datetime | None = None

    def has_expired(self, now: datetime) -> bool:
        """Whether the key's expiry (if it has one) is at or before `now`."""
        return self.expires_at is not None and self.expires_at <= now


ROLES = ("crm", "marketer", "analyst", "admin")
KEY_ROLES = (*ROLES, "personalizer")
"""Every role a key may have: `personalizer` keys call only the Personalizer API (issue 17)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: an API key (its id and role), the CLI, or the system's own jobs."""

    id: str
    role: str

    @classmethod
    def of_key(cls, key: ApiKey) -> Actor:
        """The actor behind a request authenticated with `key`."""
        return cls(id=key.id, role=key.role)

    @classmethod
    def cli(cls) -> Actor:
        """Whoever runs an `nba` command on the host (the CLI has no key)."""
        return cls(id="cli", role="cli")

    @classmethod
    def system(cls) -> Actor:
        """nba itself: scheduled jobs (training, graduation by evaluation), start-up."""
        return cls(id="system", role="system")


AUDIT_ENTITIES = ("offer", "key", "model", "apprentice", "contact_policy", "suppression")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One change on record: who made it, when, to what, and the entity before and after.

    `before` is None for a creation; `after` the state the change left (JSON values).
    """

    id: int
    ts: datetime
    actor: Actor
    entity: str
    entity_id: str
    action: str
    before: Mapping[str, object] | None
    after: Mapping[str, object] | None


class OfferChanges(TypedDict, total=False):
    """Offer field values to change, as the domain holds them."""

    name: str
    description: str
    category: str
    cost: float
    value: float | None
    features: Features
    eligibility: Eligibility
    caps: Caps
    starts_at: datetime | None
    ends_at: datetime | None
    status: str


@dataclass(frozen=True, slots=True)
class Campaign:
    """A batch campaign: its terms, status, the dual prices it solved (`plan`), its figures."""

    id: str
    status: str  # pending, running, done, failed
    spec: Mapping[str, object]
    created_at: datetime
    finished_at: datetime | None = None
    plan: Mapping[str, object] | None = None
    summary: Mapping[str, object] = field(default_factory=dict)
    rows_done: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ChallengerState:
    """A challenger of auto-optimize as stored: policy, state bytes, how far it has learned.

    `learned_until` is the (outcome ts, decision id) of the last answer it learned, or None."""

    name: str
    policy: str
    params: tuple[tuple[str, object], ...]
    data: bytes
    learned: int = 0
    learned_until: tuple[datetime, str] | None = None


@dataclass(frozen=True, slots=True)
class Optimization:
    """One stored comparison of the challengers with the champion (`results`: one JSON object
    per challenger), and the challenger it promoted, if any, as which version."""

    id: int
    computed_at: datetime
    champion_version: int | None
    rows: int
    results: tuple[Mapping[str, object], ...]
    promoted: str | None = None
    promoted_version: int | None = None
    note: str | None = None
