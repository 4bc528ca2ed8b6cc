"""A decision request's raw signals, and how a logged decision shows its health score."""

from __future__ import annotations

from typing import Any, Self

from pydantic import ConfigDict, Field, model_validator

from nba.health import SIGNALS, HealthRecord, SignalValue
from nba.schemas._common import Body, Reply, not_null

RESERVED_NAMES_PATTERN = r"^(health|signal)\."
"""Context names a request may not send: nba records a health score under them."""


def _signal(name: str) -> Any:
    """The field of one signal, with its meaning and range from `nba.health.SIGNALS`."""
    spec = SIGNALS[name]
    # The document says "leave it out", not null; the server takes a null as left out.
    if spec.is_flag:
        return Field(None, description=spec.meaning, json_schema_extra=not_null)
    return Field(
        None,
        description=spec.meaning,
        ge=spec.minimum,
        le=spec.maximum,
        json_schema_extra=not_null,
    )


class SignalsBody(Body):
    """Raw signals instead of a churn score (README "Health score").

    Each is optional and a signal left out (or null) never fires; at least one is given.
    """

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    support_calls_7d: int | None = _signal("support_calls_7d")
    support_calls_30d: int | None = _signal("support_calls_30d")
    unresolved_tickets: int | None = _signal("unresolved_tickets")
    technician_visits_60d: int | None = _signal("technician_visits_60d")
    outages_30d: int | None = _signal("outages_30d")
    session_drops_30d: int | None = _signal("session_drops_30d")
    usage_change_14d_pct: float | None = _signal("usage_change_14d_pct")
    late_payments_90d: int | None = _signal("late_payments_90d")
    failed_payments_90d: int | None = _signal("failed_payments_90d")
    bill_shock: bool | None = _signal("bill_shock")
    downgraded_6m: bool | None = _signal("downgraded_6m")
    last_rating: float | None = _signal("last_rating")
    not_solved: bool | None = _signal("not_solved")
    tenure_months: float | None = _signal("tenure_months")
    contract_days_left: float | None = _signal("contract_days_left")

    @model_validator(mode="after")
    def _some_signal(self) -> Self:
        if not self.sent():
            raise ValueError("must hold at least one signal (not null)")
        return self

    def sent(self) -> dict[str, SignalValue]:
        """The signals the body gave, by name, in `SIGNALS` order (null counts as not sent)."""
        values = self.model_dump(exclude_none=True)
        return {name: values[name] for name in SIGNALS if name in values}


class HealthReply(Reply):
    """The health score a decision made from signals recorded (its context holds it too)."""

    score: int = Field(description="health, 0 (worst) to 100, after the forced-red rule")
    band: str = Field(description="red, amber or green under the weights in force then")
    families: list[str] = Field(description="the signal families that fired")
    signals: dict[str, SignalValue] = Field(description="the signals the CRM sent")

    @classmethod
    def of(cls, record: HealthRecord) -> Self:
        """The reply of a recorded health score."""
        return cls(
            score=record.score,
            band=record.band,
            families=list(record.families),
            signals=dict(record.signals),
        )
