"""GET /v1/uplift: which offers save customers per churn band, and what the uplift guard holds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from nba.clock import parse_time
from nba.errors import InvalidInput
from nba.schemas._common import Reply

if TYPE_CHECKING:
    from nba.uplift.report import UpliftReport
    from nba.uplift.service import GuardState

REWARDS = ("retention_value", "retention_rate")
Verdict = Literal["saves customers", "sleeping dog", "no clear effect", "too little data"]


class UpliftCell(Reply):
    """One offer in one churn band: its uplift over no_action per customer with the paired 95%
    interval (null when the verdict is "too little data", which `why` explains), the effective
    sample sizes it rests on, and the acceptance rate of the offer among those offered it."""

    offer_id: str
    band: str
    estimator: Literal["dr", "snips"]
    rows: int = Field(description="The band's decisions where offer and no_action were eligible")
    offered: int
    kept_quiet: int = Field(description="Of those, how many chose no_action")
    ess: float = Field(description="The smaller of ess_offer and ess_no_action")
    ess_offer: float
    ess_no_action: float
    unsupported_share: float
    value: float | None = Field(description="Always making the offer, per customer")
    baseline: float | None = Field(description="Always no_action, per customer")
    uplift: float | None = Field(description="value - baseline")
    ci_low: float | None
    ci_high: float | None
    answered: int
    accepted: int
    acceptance_rate: float | None
    verdict: Verdict
    why: str
    is_flagged: bool = Field(description="A sleeping dog: the uplift guard keeps it out")


class GuardFlagReply(Reply):
    """An offer the stored report flags in one band, and the reason a decision records."""

    offer_id: str
    band: str
    uplift: float
    ci_low: float
    ci_high: float
    reason: str


class GuardReply(Reply):
    """The uplift guard: on or off (NBA_UPLIFT_GUARD), and the flags of its stored report."""

    enabled: bool
    computed_at: str | None
    window_days: float
    flags: list[GuardFlagReply]
    words: str


class UpliftReply(Reply):
    """The uplift of every offer over no_action in every churn band, on the window asked."""

    computed_at: str
    window_start: str | None
    window_end: str | None
    first_decision: str | None
    last_decision: str | None
    reward: Literal["retention_value", "retention_rate"]
    unit: str
    rows: int = Field(description="Decisions in the window with a retention answer")
    estimator: Literal["dr", "snips"] | None
    estimator_words: str | None
    alpha: float
    min_ess: float
    bands: list[str]
    note: str | None
    cells: list[UpliftCell]
    guard: GuardReply


@dataclass(frozen=True, slots=True)
class UpliftQuery:
    """The query of GET /v1/uplift, checked."""

    start: datetime | None
    end: datetime | None
    reward: str
    min_ess: float | None


def uplift_query(args: Mapping[str, str]) -> UpliftQuery:
    """`from`, `to`, `reward` and `min_ess` of the query string; InvalidInput naming a bad one."""
    reward = args.get("reward", "retention_value")
    if reward not in REWARDS:
        raise InvalidInput("reward", f"must be one of {', '.join(REWARDS)}, got {reward!r}")
    min_ess = None
    raw = args.get("min_ess")
    if raw is not None:
        try:
            min_ess = float(raw)
        except ValueError:
            raise InvalidInput("min_ess", f"must be a number, got {raw!r}") from None
        if not (math.isfinite(min_ess) and min_ess >= 1):
            raise InvalidInput("min_ess", f"must be a number >= 1, got {raw!r}")
    start, end = args.get("from"), args.get("to")
    return UpliftQuery(
        start=parse_time(start, "from") if start else None,
        end=parse_time(end, "to") if end else None,
        reward=reward,
        min_ess=min_ess,
    )


def uplift_reply(report: UpliftReport, guard: GuardState) -> dict[str, object]:
    """The JSON form of a report and the guard's state."""
    data = {**report.as_dict(), "guard": guard.as_dict()}
    return UpliftReply.model_validate(data).model_dump(mode="json")
