"""Offers: the body of a new offer or of an edit, its eligibility rules and caps, the reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from nba.domain import (
    CATEGORIES,
    STATUSES,
    BudgetState,
    Caps,
    Condition,
    Eligibility,
    Offer,
    OfferChanges,
)
from nba.schemas._common import (
    MAX_DESCRIPTION_CHARS,
    OFFER_ID_PATTERN,
    Body,
    FeatureValue,
    FieldName,
    OneOf,
    Reply,
    Text,
    Time,
    Timestamp,
    not_null,
)
from nba.serving.eligibility import MAX_WINDOW_DAYS, OPERATORS
from nba.serving.expressions import MAX_EXPRESSION_CHARS, InvalidExpression, compile_expression
from policies.base import freeze_features
from policies.encoding import MAX_FEATURE_ABS, RESERVED_ACTION_KEYS

if TYPE_CHECKING:
    from nba.evaluation.stats import OfferStats, Rate

Category = Annotated[str, OneOf(CATEGORIES)]
Status = Annotated[str, OneOf(STATUSES)]
Money = Annotated[float, Field(ge=0)]
Unit = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]
LIST_OPERATORS = ("in", "not_in")


def learnable(value: FeatureValue) -> FeatureValue:
    """A feature value the learners take: a number within ±MAX_FEATURE_ABS, or any other."""
    if not isinstance(value, bool | str) and abs(value) > MAX_FEATURE_ABS:
        raise ValueError(f"must be within ±{MAX_FEATURE_ABS:g} (scale it), got {value!r}")
    return value


def _not_reserved(name: str) -> str:
    if name in RESERVED_ACTION_KEYS:
        raise ValueError(
            f"is a name the learner keeps for itself ({', '.join(sorted(RESERVED_ACTION_KEYS))})"
        )
    return name


OfferFeatureName = Annotated[FieldName, AfterValidator(_not_reserved)]
OfferFeatureValue = Annotated[FeatureValue, AfterValidator(learnable)]


def _condition_value(value: object) -> float | int | str | bool | list[float | int | str]:
    if isinstance(value, list):
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            raise ValueError("must be a list of numbers or strings")
        return value
    if not isinstance(value, str | int | float):
        raise ValueError("must be a number, string or boolean")
    return value


ConditionValue = Annotated[
    float | int | str | bool | list[float | int | str],
    PlainValidator(_condition_value),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": ["number", "string", "boolean"]},
                {"type": "array", "items": {"type": ["number", "string"]}},
            ]
        }
    ),
]


class ConditionSpec(Body):
    """A rule on one context field; `in` and `not_in` take a list, the others one value."""

    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"op": {"enum": list(LIST_OPERATORS)}}},
            "then": {"properties": {"value": {"type": "array"}}},
            "else": {"properties": {"value": {"not": {"type": "array"}}}},
        }
    )

    field: str = Field(min_length=1)
    op: Annotated[str, OneOf(OPERATORS)]
    value: ConditionValue

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: object, info: ValidationInfo) -> object:
        op = info.data.get("op")
        if op is not None and (op in LIST_OPERATORS) != isinstance(value, list):
            wanted = "a list" if op in LIST_OPERATORS else "a number, string or boolean"
            raise ValueError(f"must be {wanted} for op {op!r}")
        return value


class EligibilitySpec(Body):
    """Who may receive an offer; empty lists mean any."""

    churn_min: Unit = 0.0
    churn_max: Unit = 1.0
    segments: list[str] = Field(default_factory=list)
    plans: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    conditions: list[ConditionSpec] = Field(default_factory=list)
    expression: str | None = Field(
        None,
        max_length=MAX_EXPRESSION_CHARS,
        description=(
            "A rule over context fields, churn_score and channel, e.g. "
            "\"tenure_months >= 24 and plan in ['gold', 'silver']\" (README: Business rules)"
        ),
    )

    @field_validator("expression")
    @classmethod
    def _expression_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compile_expression(value)
            except InvalidExpression as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("churn_max")
    @classmethod
    def _max_not_below_min(cls, value: float, info: ValidationInfo) -> float:
        if value < info.data.get("churn_min", 0.0):
            raise ValueError("must not be below churn_min")
        return value

    @classmethod
    def of(cls, rules: Eligibility) -> Self:
        """The spec of an offer's eligibility rules."""
        return cls(
            churn_min=rules.churn_min,
            churn_max=rules.churn_max,
            segments=list(rules.segments),
            plans=list(rules.plans),
            channels=list(rules.channels),
            conditions=[
                ConditionSpec(
                    field=c.field,
                    op=c.op,
                    value=list(c.value) if isinstance(c.value, tuple) else c.value,
                )
                for c in rules.conditions
            ],
            expression=rules.expression,
        )

    def rules(self) -> Eligibility:
        """The domain value."""
        return Eligibility(
            churn_min=self.churn_min,
            churn_max=self.churn_max,
            segments=tuple(self.segments),
            plans=tuple(self.plans),
            channels=tuple(self.channels),
            conditions=tuple(
                Condition(c.field, c.op, tuple(c.value) if isinstance(c.value, list) else c.value)
                for c in self.conditions
            ),
            expression=self.expression,
        )


class CapsSpec(Body):
    """Contact and budget limits of an offer."""

    max_per_customer: Count | None = None
    window_days: int = Field(30, ge=1, le=MAX_WINDOW_DAYS)
    budget_accepts: Count | None = None
    budget_money: Money | None = None
    budget_accepts_per_day: Count | None = None
    budget_money_per_day: Money | None = None

    @classmethod
    def of(cls, caps: Caps) -> Self:
        """The spec of an offer's caps."""
        return cls(
            max_per_customer=caps.max_per_customer,
            window_days=caps.window_days,
            budget_accepts=caps.budget_accepts,
            budget_money=caps.budget_money,
            budget_accepts_per_day=caps.budget_accepts_per_day,
            budget_money_per_day=caps.budget_money_per_day,
        )

    def caps(self) -> Caps:
        """The domain value."""
        return Caps(
            self.max_per_customer,
            self.window_days,
            self.budget_accepts,
            self.budget_money,
            self.budget_accepts_per_day,
            self.budget_money_per_day,
        )


class OfferPatch(Body):
    """PATCH /v1/offers/{id}: the fields to change (a new version is created).

    A field left out keeps its value; name, category, cost and status cannot be null.
    """

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})  # names a field to change

    name: Text | None = Field(None, json_schema_extra=not_null)
    description: str | None = Field(None, max_length=MAX_DESCRIPTION_CHARS)
    category: Category | None = Field(None, json_schema_extra=not_null)
    cost: Money | None = Field(None, json_schema_extra=not_null)
    value: Money | None = None
    features: dict[OfferFeatureName, OfferFeatureValue] | None = None
    eligibility: EligibilitySpec | None = None
    caps: CapsSpec | None = None
    starts_at: Time | None = None
    ends_at: Time | None = None
    status: Status | None = Field(None, json_schema_extra=not_null)

    @field_validator("name", "category", "cost", "status", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Runs only on a field the body names: left out, the field keeps its value.
        if value is None:
            raise ValueError("must not be null")
        return value


class OfferBody(OfferPatch):
    """POST /v1/offers: a new offer; a field left out takes its default."""

    id: str = Field(pattern=OFFER_ID_PATTERN)
    name: Text
    category: Category


def offer_changes(body: OfferPatch) -> OfferChanges:
    """The Offer field values that a validated body names (its id aside), in field order."""
    named, changes = body.model_fields_set, OfferChanges()
    if "name" in named and body.name is not None:
        changes["name"] = body.name
    if "description" in named:
        changes["description"] = body.description or ""
    if "category" in named and body.category is not None:
        changes["category"] = body.category
    if "cost" in named and body.cost is not None:
        changes["cost"] = body.cost
    if "value" in named:
        changes["value"] = body.value
    if "features" in named:
        changes["features"] = freeze_features(body.features)
    if "eligibility" in named:
        changes["eligibility"] = body.eligibility.rules() if body.eligibility else Eligibility()
    if "caps" in named:
        changes["caps"] = body.caps.caps() if body.caps else Caps()
    if "starts_at" in named:
        changes["starts_at"] = body.starts_at
    if "ends_at" in named:
        changes["ends_at"] = body.ends_at
    if "status" in named and body.status is not None:
        changes["status"] = body.status
    return changes


def new_offer(body: OfferBody) -> Offer:
    """A new offer (version 1) from a validated body; fields left out take their defaults."""
    return replace(Offer(id=body.id, name=body.name, category=body.category), **offer_changes(body))


class OfferReply(Reply):
    """An offer at one version."""

    id: str
    name: str
    description: str
    category: str
    cost: float
    value: float | None
    features: dict[str, FeatureValue]
    eligibility: EligibilitySpec
    caps: CapsSpec
    starts_at: Timestamp | None
    ends_at: Timestamp | None
    status: str
    version: int
    created_at: Timestamp | None

    @classmethod
    def of(cls, offer: Offer) -> Self:
        """The reply of an offer."""
        return cls(
            id=offer.id,
            name=offer.name,
            description=offer.description,
            category=offer.category,
            cost=offer.cost,
            value=offer.value,
            features=dict(offer.features),
            eligibility=EligibilitySpec.of(offer.eligibility),
            caps=CapsSpec.of(offer.caps),
            starts_at=offer.starts_at,
            ends_at=offer.ends_at,
            status=offer.status,
            version=offer.version,
            created_at=offer.created_at,
        )


class OfferList(Reply):
    """GET /v1/offers."""

    offers: list[OfferReply]


def offer_reply(offer: Offer) -> dict[str, object]:
    """The JSON form of an offer."""
    return OfferReply.of(offer).model_dump(mode="json")


def offer_list_reply(offers: Sequence[Offer]) -> dict[str, object]:
    """The JSON form of a list of offers."""
    return OfferList(offers=[OfferReply.of(o) for o in offers]).model_dump(mode="json")


class RateReply(Reply):
    """Shows, answered, accepts and the acceptance rate with its Wilson 95% interval."""

    shows: int
    answered: int
    accepts: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None

    @classmethod
    def of(cls, rate: Rate) -> Self:
        """The reply of one rate."""
        return cls(
            shows=rate.shows,
            answered=rate.answered,
            accepts=rate.accepts,
            rate=rate.rate,
            ci_low=rate.ci_low,
            ci_high=rate.ci_high,
        )


class BudgetReply(Reply):
    """One budget of an offer now: `scope` names it in the ledger (`offer:ID:UNIT`, with
    `:YYYY-MM-DD` for today's per-day budget); `reserved` is held by decisions waiting for
    their outcome, `consumed` spent by accepts, in `unit` (accepts or money)."""

    scope: str
    unit: str
    period: str = Field(description="total, or day (today, UTC)")
    limit: float
    reserved: float
    consumed: float
    remaining: float

    @classmethod
    def of(cls, state: BudgetState) -> Self:
        """The reply of one budget's state."""
        return cls(
            scope=state.scope,
            unit=state.unit,
            period="day" if state.scope.count(":") == 3 else "total",
            limit=state.limit,
            reserved=state.reserved,
            consumed=state.consumed,
            remaining=state.remaining,
        )


class StatsReply(Reply):
    """GET /v1/offers/{id}/stats."""

    offer_id: str
    overall: RateReply
    by_churn_band: dict[str, RateReply]
    by_day: dict[str, RateReply]
    budgets: list[BudgetReply] = Field(default_factory=list)

    @classmethod
    def of(cls, stats: OfferStats) -> Self:
        """The reply of an offer's performance."""
        return cls(
            offer_id=stats.offer_id,
            overall=RateReply.of(stats.overall),
            by_churn_band={band: RateReply.of(r) for band, r in stats.by_band},
            by_day={day: RateReply.of(r) for day, r in stats.by_day},
            budgets=[BudgetReply.of(b) for b in stats.budgets],
        )


def stats_reply(stats: OfferStats) -> dict[str, object]:
    """The JSON form of an offer's performance."""
    return StatsReply.of(stats).model_dump(mode="json")
