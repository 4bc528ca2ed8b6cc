"""SQLModel tables of nba; these classes never leave `nba/storage` (convert at its edge)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel

from nba.clock import utc_now


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so the value is stored as naive
    UTC and marked UTC again when read. A naive input is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Plain JSON (not JSONB) on PostgreSQL too: it keeps the text as written, so key order of
# contexts and features survives a round trip on both backends.
JSON = sa.JSON()


class OfferRow(SQLModel, table=True):
    """One version of one offer; editing an offer adds a row with the next version."""

    __tablename__ = "offers"

    id: str = Field(primary_key=True, index=True)
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str
    description: str = ""
    category: str
    cost: float = 0.0
    value: float | None = None
    features: dict = Field(default_factory=dict, sa_type=JSON)
    eligibility: dict = Field(default_factory=dict, sa_type=JSON)
    caps: dict = Field(default_factory=dict, sa_type=JSON)
    starts_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = "active"
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class DecisionRow(SQLModel, table=True):
    """One logged decision with everything needed to relearn and evaluate it later."""

    __tablename__ = "decisions"
    # A customer's decisions newest first (migration 0007).
    __table_args__ = (sa.Index("ix_decisions_customer_ts", "customer_id", "ts"),)

    id: str = Field(primary_key=True)
    ts: datetime = Field(sa_type=UTCDateTime, index=True)
    customer_id: str
    churn_score: float
    context: dict = Field(default_factory=dict, sa_type=JSON)
    channel: str | None = None
    eligible: list = Field(default_factory=list, sa_type=JSON)
    probabilities: list = Field(default_factory=list, sa_type=JSON)
    scores: list = Field(default_factory=list, sa_type=JSON)
    chosen: str = Field(index=True)
    chosen_version: int
    propensity: float
    policy: str
    model_version: int | None = None
    excluded: list | None = Field(default=None, sa_type=JSON)


class FeedbackColumns(SQLModel):
    """The columns the two feedback tables share; each adds its answer column.

    `learned_version` is the model version that learned the answer (None: none yet).
    """

    decision_id: str = Field(primary_key=True)
    value: float | None = None
    ts: datetime = Field(sa_type=UTCDateTime, index=True)
    source: str
    reward: float
    occurred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    learned_version: int | None = None


def _feedback_table_args(table: str) -> tuple[sa.ForeignKeyConstraint, sa.Index]:
    """The decision foreign key, and a partial index of the rows no model version has learned
    yet (migration 0004)."""
    pending = sa.text("learned_version IS NULL")
    return (
        sa.ForeignKeyConstraint(["decision_id"], ["decisions.id"], name=f"fk_{table}_decision_id"),
        sa.Index(
            f"ix_{table}_unlearned",
            "ts",
            "decision_id",
            postgresql_where=pending,
            sqlite_where=pending,
        ),
    )


class OutcomeRow(FeedbackColumns, table=True):
    """The one acceptance answer (outcome) of a decision."""

    __tablename__ = "outcomes"
    __table_args__ = _feedback_table_args("outcomes")

    accepted: bool


class RetentionRow(FeedbackColumns, table=True):
    """The one retention answer of a decision: whether its customer stayed."""

    __tablename__ = "retention"
    __table_args__ = _feedback_table_args("retention")

    retained: bool


class EvaluationRow(SQLModel, table=True):
    """An off-policy evaluation job and its stored results."""

    __tablename__ = "evaluations"

    id: str = Field(primary_key=True)
    status: str = Field(index=True)
    spec: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    results: dict = Field(default_factory=dict, sa_type=JSON)
    error: str | None = None


class WhatIfRow(SQLModel, table=True):
    """A what-if run (a proposed catalogue against the current one) and its result (0014)."""

    __tablename__ = "what_if_runs"

    id: str = Field(primary_key=True)
    status: str = Field(index=True)
    spec: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    results: dict = Field(default_factory=dict, sa_type=JSON)
    error: str | None = None


class LockRow(SQLModel, table=True):
    """A named lease shared by every process on the database (e.g. the single trainer)."""

    __tablename__ = "locks"

    name: str = Field(primary_key=True)
    owner: str
    expires_at: datetime = Field(sa_type=UTCDateTime)


class StateRow(SQLModel, table=True):
    """A named piece of shared state (e.g. apprentice graduation), as JSON."""

    __tablename__ = "state"

    name: str = Field(primary_key=True)
    value: dict = Field(default_factory=dict, sa_type=JSON)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ModelVersionRow(SQLModel, table=True):
    """A saved policy state; `data` holds the policy's `save()` bytes."""

    __tablename__ = "model_versions"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    policy: str
    params: dict = Field(default_factory=dict, sa_type=JSON)
    data: bytes = Field(sa_type=sa.LargeBinary)
    watermark: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    metrics: dict = Field(default_factory=dict, sa_type=JSON)
    is_active: bool = False
    is_pinned: bool = False


class ApiKeyRow(SQLModel, table=True):
    """An API key's record: only a hash of the secret is kept.

    `hash_scheme` says which: "hmac-sha256" (keyed with the installation's secret) for keys
    made since migration 0005, "sha256" for older ones, which stay valid (migration 0005).
    """

    __tablename__ = "api_keys"

    id: str = Field(primary_key=True)
    key_hash: str = Field(index=True, unique=True)
    role: str
    name: str = ""
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    is_revoked: bool = False
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hash_scheme: str = Field(default="sha256", sa_column_kwargs={"server_default": "sha256"})


class AuditRow(SQLModel, table=True):
    """One change on record (migration 0005); rows are only ever added."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    ts: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    actor_id: str = Field(index=True)
    actor_role: str
    entity: str = Field(index=True)
    entity_id: str
    action: str
    before: dict | None = Field(default=None, sa_type=JSON)
    after: dict | None = Field(default=None, sa_type=JSON)


class OfferBandDayRow(SQLModel, table=True):
    """One day's figures of one offer in one churn band on one channel (migration 0009).

    Kept up to date by `nba.evaluation.summaries` from a watermark: decisions count on the UTC
    day they were made, their outcomes on that same day whenever they came. `offer_id` "*"
    holds the totals over every offer; `channel` "" stands for decisions without one.
    """

    __tablename__ = "offer_band_days"
    __table_args__ = (sa.Index("ix_offer_band_days_day", "day"),)

    offer_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    churn_band: str = Field(primary_key=True)
    channel: str = Field(primary_key=True)
    shows: int = 0
    propensity_sum: float = 0.0
    answered: int = 0
    accepts: int = 0
    spend: float = 0.0


class ContextDayRow(SQLModel, table=True):
    """How often one context value came with one offer's shows and accepts on one day
    (migration 0009).

    A text or boolean field counts per value; a numeric field has one row with `value` ""
    whose counts are of the decisions that had a number there and whose sums add them up.
    `offer_id` "*" holds every offer's decisions together.
    """

    __tablename__ = "offer_context_days"
    __table_args__ = (sa.Index("ix_offer_context_days_day", "day"),)

    offer_id: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    field: str = Field(primary_key=True)
    value: str = Field(primary_key=True)
    shows: int = 0
    accepts: int = 0
    shows_sum: float = 0.0
    accepts_sum: float = 0.0


class LoopRow(SQLModel, table=True):
    """A Personalizer learning loop and its settings (migration 0010).

    `service` holds the service configuration, `policy` the learning settings (name and VW
    arguments), both as the Personalizer API shows them. The loop "default" answers keys that
    belong to no loop.
    """

    __tablename__ = "personalizer_loops"

    name: str = Field(primary_key=True)
    service: dict = Field(default_factory=dict, sa_type=JSON)
    policy: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    logs_cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoopKeyRow(SQLModel, table=True):
    """Which loop a Personalizer API key belongs to (migration 0010)."""

    __tablename__ = "personalizer_keys"
    __table_args__ = (
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name="fk_personalizer_keys_key"),
        sa.ForeignKeyConstraint(
            ["loop"], ["personalizer_loops.name"], name="fk_personalizer_keys_loop"
        ),
    )

    key_id: str = Field(primary_key=True)
    loop: str = Field(index=True)


class LoopEventRow(SQLModel, table=True):
    """One ranked slot of one Personalizer event, with what is needed to learn it (migration
    0010).

    A single-slot event has one row with `slot_id` "". `actions` are the candidates of this
    slot in the order ranked (`[{"id", "features"}]`), `probabilities` follow them, `chosen`
    indexes them. `reward` is the aggregated reward so far (`reward_count` rewards), `learned_at`
    when the loop's model learned the row (`learned_reward` the value it learned).
    """

    __tablename__ = "personalizer_events"
    __table_args__ = (sa.Index("ix_personalizer_events_due", "loop", "learned_at", "ts"),)

    loop: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    slot_id: str = Field(primary_key=True, default="")
    ts: datetime = Field(sa_type=UTCDateTime)
    context: list = Field(default_factory=list, sa_type=JSON)
    slot_features: list | None = Field(default=None, sa_type=JSON)
    actions: list = Field(default_factory=list, sa_type=JSON)
    excluded: list = Field(default_factory=list, sa_type=JSON)
    probabilities: list = Field(default_factory=list, sa_type=JSON)
    chosen: int
    propensity: float
    mode: str
    model_version: int | None = None
    is_active: bool = True
    activated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reward: float | None = None
    reward_count: int = 0
    rewarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    learned_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    learned_reward: float | None = None


class LoopModelRow(SQLModel, table=True):
    """A published model of one Personalizer loop (migration 0010); the newest is served."""

    __tablename__ = "personalizer_models"

    loop: str = Field(primary_key=True)
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    data: bytes = Field(sa_type=sa.LargeBinary)
    params: dict = Field(default_factory=dict, sa_type=JSON)
    source: str
    events: int = 0
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LoopEvaluationRow(SQLModel, table=True):
    """An offline evaluation of one Personalizer loop's log (migration 0010)."""

    __tablename__ = "personalizer_evaluations"

    loop: str = Field(primary_key=True)
    id: str = Field(primary_key=True)
    name: str
    status: str
    spec: dict = Field(default_factory=dict, sa_type=JSON)
    results: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class SuppressionRow(SQLModel, table=True):
    """A customer who must not be contacted (migration 0011); removed rows are gone, their
    audit entries stay."""

    __tablename__ = "suppressions"

    customer_id: str = Field(primary_key=True)
    reason: str = ""
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    added_by: str = ""
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CampaignRow(SQLModel, table=True):
    """A batch campaign (migration 0013): its terms, the prices it solved, and its figures."""

    __tablename__ = "campaigns"

    id: str = Field(primary_key=True)
    status: str = Field(index=True)
    spec: dict = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    plan: dict | None = Field(default=None, sa_type=JSON)
    summary: dict = Field(default_factory=dict, sa_type=JSON)
    rows_done: int = 0
    error: str | None = None


class CampaignAssignmentRow(SQLModel, table=True):
    """One customer's assignment in one campaign, and its logged decision (migration 0013).

    The primary key is what makes a campaign never assign a customer twice, also after a crash.
    """

    __tablename__ = "campaign_assignments"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_campaign_assignments_decision_id"
        ),
    )

    campaign_id: str = Field(primary_key=True)
    customer_id: str = Field(primary_key=True)
    row: int
    decision_id: str = Field(index=True)
    offer_id: str
    holdout: bool
    propensity: float
    expected_reward: float
    expected_accepts: float


metadata = SQLModel.metadata


class BudgetRow(SQLModel, table=True):
    """One budget of the reservation ledger (migration 0012), named by its scope.

    Scopes: `offer:ID:UNIT` (an offer's total), `offer:ID:UNIT:YYYY-MM-DD` (its UTC day),
    `campaign:ID:UNIT[:OFFER]` (`nba.serving.budgets`). `reserved` is held by decisions with
    no outcome yet, `consumed` spent by accepts; a reservation succeeds only while
    `reserved + consumed + amount <= limit_amount` (one conditional UPDATE).
    """

    __tablename__ = "budgets"

    scope: str = Field(primary_key=True)
    unit: str
    limit_amount: float
    reserved: float = 0.0
    consumed: float = 0.0
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class BudgetReservationRow(SQLModel, table=True):
    """What one decision holds of one budget: `reserved` until its outcome makes it
    `consumed` (an accept) or `released` (a decline, or the default outcome)."""

    __tablename__ = "budget_reservations"

    decision_id: str = Field(primary_key=True)
    scope: str = Field(primary_key=True)
    amount: float
    state: str = "reserved"
    ts: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChallengerRow(SQLModel, table=True):
    """A challenger of auto-optimize: its policy, its `save()` bytes and how far it has learned.

    `learned_ts`/`learned_id` is the last answer it learned, in (outcome ts, decision id) order.
    """

    __tablename__ = "challengers"

    name: str = Field(primary_key=True)
    policy: str
    params: dict = Field(default_factory=dict, sa_type=JSON)
    data: bytes = Field(sa_type=sa.LargeBinary)
    learned: int = 0
    learned_ts: datetime | None = Field(default=None, sa_type=UTCDateTime)
    learned_id: str | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class OptimizationRow(SQLModel, table=True):
    """One comparison of the challengers with the champion, and the promotion it made if any."""

    __tablename__ = "optimizations"

    id: int | None = Field(default=None, primary_key=True)
    computed_at: datetime = Field(sa_type=UTCDateTime, index=True)
    champion_version: int | None = None
    rows: int = 0
    results: list = Field(default_factory=list, sa_type=JSON)
    promoted: str | None = None
    promoted_version: int | None = None
    note: str | None = None
