"""Campaigns over HTTP: the body that starts one, the reply with its status and report.

Files are named relative to the server's campaign folder (`<data dir>/campaigns`): a body
cannot make the server read or write anywhere else.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator

from nba.campaigns.spec import CampaignSpec, with_budgeted
from nba.domain import Campaign
from nba.errors import InvalidInput, NotFound
from nba.schemas._common import OFFER_ID_PATTERN, Body, OneOf, Reply, Time, Timestamp

CAMPAIGN_STATUSES = ("pending", "running", "done", "failed")

_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.\-]*"
FileName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        pattern=rf"^({_SEGMENT}/)*{_SEGMENT}\.(parquet|pq|csv)$",
        description="a .parquet or .csv file in the campaign folder (no absolute path, no ..)",
    ),
]


class CampaignBody(Body):
    """POST /v1/campaigns: the customers file, the offers, their budgets and the shares."""

    input: FileName = Field(description="customers file (.parquet or .csv) in the campaign folder")
    out: FileName = Field(description="output file (.parquet or .csv) in the campaign folder")
    offers: list[Annotated[str, Field(pattern=OFFER_ID_PATTERN)]] = Field(
        min_length=1,
        json_schema_extra={"uniqueItems": True},
        description="offer ids (no_action is added, and any offer a budget names)",
    )
    budget: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="offer id -> cap on expected accepts"
    )
    spend: dict[str, Annotated[float, Field(ge=0)]] = Field(
        default_factory=dict, description="offer id -> cap on expected money spent"
    )
    holdout: float = Field(0.05, ge=0, lt=1)
    exploration: float = Field(0.05, ge=0, lt=1)
    bad_rows: Literal["refuse", "skip"] = "refuse"
    channel: str | None = Field(
        None, max_length=200, description="channel the customers are contacted on"
    )
    send_at: Time | None = Field(
        None,
        description="when the customers are contacted (default: when the campaign is planned); "
        "the contact policy is read then, and a channel in quiet hours then is refused",
    )
    seed: int | None = Field(None, ge=0, le=2**31 - 1)

    @field_validator("offers")
    @classmethod
    def _unique(cls, offers: list[str]) -> list[str]:
        if len(set(offers)) < len(offers):
            raise ValueError("an offer is named twice")
        return offers


def campaign_spec(body: CampaignBody, folder: Path, seed: int) -> CampaignSpec:
    """The campaign's terms from a validated body; InvalidInput naming a file outside `folder`,
    NotFound for a missing input file."""
    budgets, spend = tuple(body.budget.items()), tuple(body.spend.items())
    return CampaignSpec(
        input=str(_inside(folder, body.input, "input", must_exist=True)),
        out=str(_inside(folder, body.out, "out", must_exist=False)),
        offers=with_budgeted(body.offers, budgets, spend),
        seed=seed if body.seed is None else body.seed,
        budgets=budgets,
        spend=spend,
        holdout=body.holdout,
        exploration=body.exploration,
        bad_rows=body.bad_rows,
        channel=body.channel,
        send_at=body.send_at,
    )


def _inside(folder: Path, name: str, field: str, *, must_exist: bool) -> Path:
    parts = PurePosixPath(name).parts
    if PurePosixPath(name).is_absolute() or ".." in parts:
        raise InvalidInput(field, f"must name a file inside the campaign folder, got {name!r}")
    if PurePosixPath(name).suffix.lower() not in (".parquet", ".pq", ".csv"):
        raise InvalidInput(field, f"must end in .parquet or .csv, got {name!r}")
    path = folder.joinpath(*parts)
    if must_exist and not path.is_file():
        raise NotFound("campaign file", name)
    return path


class CampaignReply(Reply):
    """A campaign: terms, status, progress, plan (prices), summary and report when done."""

    id: str
    status: Annotated[str, OneOf(CAMPAIGN_STATUSES)]
    spec: dict[str, object]
    created_at: Timestamp
    finished_at: Timestamp | None
    rows_done: int
    plan: dict[str, object] | None
    summary: dict[str, object] | None
    report: dict[str, object] | None
    error: str | None

    @classmethod
    def of(cls, campaign: Campaign, report: dict[str, object] | None) -> Self:
        """The reply of a campaign (with its report once done)."""
        plan = dict(campaign.plan) if campaign.plan is not None else None
        if plan is not None:
            plan.pop("repeated_rows", None)  # could be long; the bad rows file lists them
        return cls(
            id=campaign.id,
            status=campaign.status,
            spec=dict(campaign.spec),
            created_at=campaign.created_at,
            finished_at=campaign.finished_at,
            rows_done=campaign.rows_done,
            plan=plan,
            summary=dict(campaign.summary) or None,
            report=report,
            error=campaign.error,
        )


def campaign_reply(campaign: Campaign, report: dict[str, object] | None) -> dict[str, object]:
    """The JSON form of a campaign."""
    return CampaignReply.of(campaign, report).model_dump(mode="json")
