"""How an offer performs: shows, accepts, acceptance rate with a 95% interval, by band, by day."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from nba.clock import utc_now
from nba.domain import BudgetState
from nba.errors import NotFound
from nba.storage import Database, budgets, decisions, offers

BAND_EDGES = (0.3, 0.6)
BANDS = ("low", "medium", "high")
Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Rate:
    """Shows, outcomes and the acceptance rate among answered decisions, with a Wilson interval."""

    shows: int
    answered: int
    accepts: int
    rate: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True, slots=True)
class OfferStats:
    """An offer's performance overall, per churn band and per day; its budgets now."""

    offer_id: str
    overall: Rate
    by_band: tuple[tuple[str, Rate], ...]
    by_day: tuple[tuple[str, Rate], ...]
    budgets: tuple[BudgetState, ...] = ()


def churn_band(scores: pd.Series) -> pd.Series:
    """low < 0.3 ≤ medium < 0.6 ≤ high."""
    return pd.Series(np.array(BANDS)[np.digitize(scores, BAND_EDGES)], index=scores.index)


def wilson(accepts: int, answered: int) -> tuple[float | None, float | None, float | None]:
    """The rate and its Wilson score 95% interval (None when nothing was answered)."""
    if answered == 0:
        return None, None, None
    p = accepts / answered
    denominator = 1 + Z95**2 / answered
    centre = (p + Z95**2 / (2 * answered)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / answered + Z95**2 / (4 * answered**2)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _rate(frame: pd.DataFrame) -> Rate:
    answered = frame["accepted"].notna()
    accepts = int(frame.loc[answered, "accepted"].astype(bool).sum())
    rate, low, high = wilson(accepts, int(answered.sum()))
    return Rate(len(frame), int(answered.sum()), accepts, rate, low, high)


def offer_stats(
    database: Database,
    offer_id: str,
    start: datetime | None = None,
    end: datetime | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> OfferStats:
    """Performance of one offer over the decisions that chose it in [start, end), and the
    state of its budgets at `clock()` (limit, reserved, consumed)."""
    with database.session(readonly=True) as session:
        offer = offers.get_offer(session, offer_id)
        if offer is None:
            raise NotFound("offer", offer_id)
        frame = decisions.log_frame(session, start=start, end=end, offer_ids=[offer_id])
        ledger = budgets.offer_budgets(session, offer, clock())
    bands = churn_band(frame["churn_score"]) if len(frame) else pd.Series(dtype=str)
    days = frame["ts"].dt.strftime("%Y-%m-%d") if len(frame) else pd.Series(dtype=str)
    return OfferStats(
        offer_id=offer_id,
        overall=_rate(frame),
        by_band=tuple((band, _rate(frame[bands == band])) for band in BANDS),
        by_day=tuple((day, _rate(frame[days == day])) for day in sorted(set(days))),
        budgets=ledger,
    )
