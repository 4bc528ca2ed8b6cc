"""What-if runs over HTTP: the proposal that starts one, the reply with its status and result.

The body is the proposed catalogue file of `nba simulate --catalog` as JSON (`offers`, `remove`)
plus the run's size; the offers' own fields are checked by the simulator when the run is
submitted, each problem named by its place in the body (`offers.0.cost`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, WithJsonSchema

from nba.domain import WhatIfRun
from nba.errors import InvalidInput
from nba.evaluation.what_if_jobs import DEFAULTS, LIMITS, OfferFigures, WhatIfView
from nba.schemas._common import NO_NUL, OFFER_ID_PATTERN, Body, OneOf, Reply, Timestamp

WHAT_IF_STATUSES = ("pending", "running", "done", "failed")
METRICS = ("accepts", "cost", "retained_value", "net_value")
MAX_PROPOSED_OFFERS = 100
DEFAULT_LIST_LIMIT = 20
MAX_LIST_LIMIT = 100
"""GET /v1/what-if: runs listed by default, and at most."""


def _json_without_nul(depth: int) -> dict[str, object]:
    """The JSON schema of a value whose keys and strings hold no NUL (what `check_text` lets
    through), nested at most `depth` levels: an offer's fields go no deeper than 3."""
    scalars: list[dict[str, object]] = [
        {"type": "string", "pattern": NO_NUL},
        {"type": ["number", "boolean", "null"]},
    ]
    if depth == 0:
        return {"anyOf": scalars}
    inner = _json_without_nul(depth - 1)
    return {
        "anyOf": [
            *scalars,
            {"type": "array", "items": inner},
            {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": inner},
        ]
    }


ProposedOffer = Annotated[
    dict[str, object],
    WithJsonSchema(
        {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "pattern": OFFER_ID_PATTERN},
                "response": {
                    "type": "object",
                    "propertyNames": {"pattern": NO_NUL},
                    "additionalProperties": _json_without_nul(1),
                    "description": "the response customers are assumed to give a new offer: "
                    "intercept (acceptance logit), weights (on the simulator's signals), "
                    "save_rate (share of churn an accept removes, 0..1), revenue, "
                    "revenue_churn_slope, fit (per driver price, service, disengaged, loyal: "
                    "0..1)",
                },
            },
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": _json_without_nul(3),
            "description": "an id the current catalogue has: the fields of PATCH "
            "/v1/offers/{id} to change; a new id: the fields of POST /v1/offers plus "
            "`response`",
        }
    ),
]
OfferId = Annotated[str, Field(pattern=OFFER_ID_PATTERN)]
Reward = Literal["acceptance", "net_value", "retention_value"]


def _size(name: str, description: str) -> Any:
    low, high = LIMITS[name]
    return Field(DEFAULTS[name], ge=low, le=high, description=description)


class CatalogueChanges(Body):
    """Changes to a catalogue: offers added or changed, offers taken away."""

    offers: list[ProposedOffer] = Field(
        default_factory=list,
        max_length=MAX_PROPOSED_OFFERS,
        description="offers to add (a new id, with `response`) or change (only the fields given)",
    )
    remove: list[OfferId] = Field(
        default_factory=list,
        max_length=MAX_PROPOSED_OFFERS,
        description="ids of offers the proposal takes away (never no_action)",
    )


class WhatIfBody(CatalogueChanges):
    """POST /v1/what-if: the proposed changes, the current catalogue's, and the run's size."""

    current: CatalogueChanges | None = Field(
        None,
        description="changes that make the current catalogue from the simulator's eight offers "
        "(default: those eight as they are)",
    )
    steps: int = _size("steps", "decisions per run, each catalogue")
    seeds: int = _size("seeds", "independent runs (the interval is a Student t over them)")
    population: int = _size("population", "simulated customers the decisions are drawn from")
    reward: Reward = Field(
        "retention_value",
        description="what each customer's best offer maximises, by the simulator's truth",
    )


def what_if_spec(body: WhatIfBody) -> dict[str, object]:
    """The job spec to store from a validated body (the form `SimulatorWhatIf` runs)."""
    changes = body.model_dump(include={"offers", "remove"})
    current = body.current.model_dump() if body.current is not None else None
    sizes = body.model_dump(include={"steps", "seeds", "population", "reward"})
    return {"catalog": changes, "current": current, **sizes}


class WhatIfChange(Reply):
    """One metric: its total per run under each catalogue, the change and its interval."""

    metric: Annotated[str, OneOf(METRICS)]
    label: str = Field(description="the metric's name in the CLI's table")
    current: float = Field(description="total per run with the current catalogue (mean of seeds)")
    proposed: float = Field(description="total per run with the proposed catalogue")
    change: float = Field(description="proposed - current, paired on the same customers")
    ci_low: float = Field(description="lower end of the change's interval")
    ci_high: float = Field(description="upper end of the change's interval")
    excludes_zero: bool = Field(description="whether the interval lies wholly on one side of 0")
    note: str = Field(description="the figures in a sentence, and what the interval says")


class OfferUse(Reply):
    """An offer's mean use per run under one catalogue."""

    shows: float = Field(description="decisions that chose the offer")
    accepts: float = Field(description="of those, the accepted ones")
    spend: float = Field(description="money the accepts cost")

    @classmethod
    def of(cls, figures: OfferFigures | None) -> Self | None:
        """The reply of one offer's figures, None when the catalogue lacks the offer."""
        if figures is None:
            return None
        return cls(shows=figures.shows, accepts=figures.accepts, spend=figures.spend)


class OfferComparison(Reply):
    """An offer's use under both catalogues (null: the catalogue lacks it)."""

    offer_id: str
    current: OfferUse | None
    proposed: OfferUse | None


class WhatIfResult(Reply):
    """A finished run: how it was made, the changes with intervals, each offer's use."""

    explanation: str = Field(description="how the figures came about, in one paragraph")
    confidence: str = Field(description="the intervals' confidence level, such as 95%")
    changes: list[WhatIfChange] = Field(
        description="accepts, cost of accepted offers, retained value and net value"
    )
    offers: list[OfferComparison] = Field(description="each offer's shows, accepts and spend")

    @classmethod
    def of(cls, view: WhatIfView) -> Self:
        """The reply of a finished run's view."""
        return cls(
            explanation=view.explanation,
            confidence=view.level,
            changes=[
                WhatIfChange(
                    metric=f.metric,
                    label=f.label,
                    current=f.current,
                    proposed=f.proposed,
                    change=f.change,
                    ci_low=f.ci_low,
                    ci_high=f.ci_high,
                    excludes_zero=f.excludes_zero,
                    note=f.note,
                )
                for f in view.figures
            ],
            offers=[
                OfferComparison(
                    offer_id=offer_id, current=OfferUse.of(now), proposed=OfferUse.of(then)
                )
                for offer_id, now, then in view.offers
            ],
        )


class WhatIfRunInfo(Reply):
    """A what-if run: its spec and status (pending: waiting for the run before it)."""

    id: str
    status: Annotated[str, OneOf(WHAT_IF_STATUSES)]
    spec: dict[str, object] = Field(description="the proposal and the run's size, as stored")
    created_at: Timestamp
    finished_at: Timestamp | None
    error: str | None = Field(description="why a failed run stopped")

    @classmethod
    def of(cls, run: WhatIfRun) -> Self:
        """The reply of a run without its result."""
        return cls(
            id=run.id,
            status=run.status,
            spec=dict(run.spec),
            created_at=run.created_at,
            finished_at=run.finished_at,
            error=run.error,
        )


class WhatIfReply(WhatIfRunInfo):
    """A what-if run with its result once done (null before)."""

    result: WhatIfResult | None


class WhatIfList(Reply):
    """Recent what-if runs, newest first, without their results."""

    runs: list[WhatIfRunInfo]


def what_if_reply(run: WhatIfRun, view: WhatIfView | None) -> dict[str, object]:
    """The JSON form of a run and, when done, its result."""
    info = WhatIfRunInfo.of(run).model_dump()
    result = WhatIfResult.of(view) if view is not None else None
    return WhatIfReply(**info, result=result).model_dump(mode="json")


def what_if_list_reply(runs: list[WhatIfRun]) -> dict[str, object]:
    """The JSON form of a list of runs."""
    return WhatIfList(runs=[WhatIfRunInfo.of(run) for run in runs]).model_dump(mode="json")


def list_limit(limit: int) -> int:
    """`limit` of a list of runs if in [1, MAX_LIST_LIMIT]; InvalidInput naming it otherwise."""
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise InvalidInput("limit", f"must be from 1 to {MAX_LIST_LIMIT}, got {limit}")
    return limit
