"""A campaign's terms: which offers, their budgets, holdout and exploration shares, the input."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar

from nba.clock import parse_time
from nba.domain import NO_ACTION_ID
from nba.errors import InvalidInput

BadRows = Literal["refuse", "skip"]
N = TypeVar("N", int, float)

DEFAULT_BATCH_SIZE = 20_000
DEFAULT_SAMPLE_SIZE = 200_000


@dataclass(frozen=True, slots=True)
class CampaignSpec:
    """What a campaign assigns, under which limits, from which file to which file.

    `budgets` cap an offer's expected accepts, `spend` its expected money (cost per accept
    times expected accepts). `holdout` is the share of customers kept out at random
    (`no_action`, to measure the campaign's effect); `exploration` the share of the others
    given a uniformly drawn eligible offer, so that the campaign can be evaluated and learned
    from. `bad_rows`: `refuse` stops before anything is written when a row is bad, `skip`
    leaves bad rows out and lists them. `seed` keys every draw (holdout, exploration, sample),
    so a rerun and another engine draw the same for each customer. `send_at` is when the
    customers will be contacted on `channel` (None: when the campaign is planned): the contact
    policy is read then (quiet hours, window limits, cool-downs) and so are the offers' dates.
    """

    input: str
    out: str
    offers: tuple[str, ...]
    seed: int
    budgets: tuple[tuple[str, float], ...] = ()
    spend: tuple[tuple[str, float], ...] = ()
    holdout: float = 0.05
    exploration: float = 0.05
    bad_rows: BadRows = "refuse"
    channel: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    sample_size: int = DEFAULT_SAMPLE_SIZE
    send_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.send_at is not None:
            object.__setattr__(self, "send_at", parse_time(self.send_at, "send_at").astimezone(UTC))
        if not self.offers:
            raise InvalidInput("offers", "name at least one offer")
        if len(set(self.offers)) < len(self.offers):
            raise InvalidInput("offers", f"an offer is named twice: {list(self.offers)}")
        for name, share in (("holdout", self.holdout), ("exploration", self.exploration)):
            if not (isinstance(share, int | float) and 0.0 <= share < 1.0):
                raise InvalidInput(name, f"must be a share in [0, 1), got {share!r}")
        for name, limits in (("budget", self.budgets), ("spend", self.spend)):
            seen: set[str] = set()
            for offer_id, limit in limits:
                if offer_id not in self.offer_ids:
                    raise InvalidInput(name, f"{offer_id!r} is not one of the campaign's offers")
                if offer_id in seen:
                    raise InvalidInput(name, f"{offer_id!r} has two limits")
                seen.add(offer_id)
                if not (math.isfinite(limit) and limit >= 0):
                    raise InvalidInput(name, f"{offer_id}: must be a number >= 0, got {limit!r}")
        if self.bad_rows not in ("refuse", "skip"):
            raise InvalidInput("bad_rows", f"must be refuse or skip, got {self.bad_rows!r}")
        if self.batch_size < 1:
            raise InvalidInput("batch_size", f"must be >= 1, got {self.batch_size}")
        if self.sample_size < 1:
            raise InvalidInput("sample_size", f"must be >= 1, got {self.sample_size}")

    @property
    def offer_ids(self) -> tuple[str, ...]:
        """The campaign's offers with `no_action` first (the holdout's, and always eligible)."""
        return (NO_ACTION_ID, *(o for o in self.offers if o != NO_ACTION_ID))

    def as_dict(self) -> dict[str, object]:
        """JSON-ready: limits as objects."""
        data = asdict(self)
        data["offers"] = list(self.offers)
        data["budgets"] = dict(self.budgets)
        data["spend"] = dict(self.spend)
        data["send_at"] = None if self.send_at is None else self.send_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CampaignSpec:
        """The spec `as_dict` wrote (or a request body of the same shape)."""
        bad_rows = data.get("bad_rows", "refuse")
        channel = data.get("channel")
        send_at = data.get("send_at")
        return cls(
            input=str(data["input"]),
            out=str(data["out"]),
            offers=tuple(_strings(data.get("offers", ()), "offers")),
            seed=_number(data, "seed", int),
            budgets=_limits(data.get("budgets", {}), "budget"),
            spend=_limits(data.get("spend", {}), "spend"),
            holdout=_number(data, "holdout", float),
            exploration=_number(data, "exploration", float),
            bad_rows="skip" if bad_rows == "skip" else "refuse",
            channel=None if channel is None else str(channel),
            batch_size=_number(data, "batch_size", int),
            sample_size=_number(data, "sample_size", int),
            send_at=None if send_at is None else parse_time(send_at, "send_at"),
        )


def with_budgeted(
    offers: Sequence[str],
    budgets: Sequence[tuple[str, float]],
    spend: Sequence[tuple[str, float]],
) -> tuple[str, ...]:
    """The campaign's offers: those named, then any offer a budget names (it joins)."""
    named = dict.fromkeys(offers)
    named.update(dict.fromkeys(o for o, _ in (*budgets, *spend) if o != NO_ACTION_ID))
    return tuple(named)


def parse_limits(items: Sequence[str], name: str) -> tuple[tuple[str, float], ...]:
    """`OFFER=NUMBER` flags as pairs (InvalidInput naming `name` on a malformed one)."""
    pairs: list[tuple[str, float]] = []
    for item in items:
        offer_id, sep, number = item.partition("=")
        try:
            limit = float(number)
        except ValueError:
            limit = math.nan
        if not sep or not offer_id or not math.isfinite(limit):
            raise InvalidInput(name, f"expected OFFER=NUMBER, got {item!r}")
        pairs.append((offer_id.strip(), limit))
    return tuple(pairs)


def _number(data: Mapping[str, object], key: str, kind: type[N]) -> N:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(key, f"must be a number, got {value!r}")
    return kind(value)


def _strings(values: object, name: str) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput(name, f"must be a list of offer ids, got {values!r}")
    return list(values)


def _limits(values: object, name: str) -> tuple[tuple[str, float], ...]:
    if not isinstance(values, Mapping):
        raise InvalidInput(name, f"must map offer ids to numbers, got {values!r}")
    pairs: list[tuple[str, float]] = []
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(name, f"{key}: must be a number, got {value!r}")
        pairs.append((str(key), float(value)))
    return tuple(pairs)
