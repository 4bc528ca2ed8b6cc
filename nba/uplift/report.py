"""The uplift report: per offer and churn band, the estimated value of offering it over doing
nothing, its interval, its support and its verdict, with every figure explained in words."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from nba.clock import parse_time
from nba.domain import NO_ACTION_ID
from nba.ope.logs import BANDS
from nba.ope.reward_model import cross_fit
from nba.ope.uplift import MIN_ESS, SLEEPING_DOG, UpliftEstimate, estimate_uplift
from nba.uplift.data import UNITS, RetentionLog, check_reward

N_FOLDS = 5
MODEL_MIN_ROWS = 100
"""Decisions with a retention answer from which a cross-fitted reward model is fitted (and DR
used); below it every cell is estimated by SNIPS."""
ESTIMATOR_WORDS = {
    "dr": "doubly robust (DR) with a reward model cross-fitted on the churn score and context, "
    "paired influence-function interval",
    "snips": "self-normalised inverse propensity scoring (SNIPS), paired influence-function "
    "interval (too few answers for a reward model)",
}
FIGURE_WORDS = (
    ("uplift", "what offering it to every customer of the band would earn per customer more "
     "than doing nothing (no_action), estimated off-policy from the logged decisions"),
    ("interval", "the 95% interval of that uplift; both ends above 0: the offer saves "
     "customers; both below 0: a sleeping dog, offering it makes customers leave or costs more "
     "than it keeps; 0 inside: no clear effect"),
    ("ESS", "effective sample size: about how many logged decisions of the band the estimate "
     "rests on (the smaller of the offer's and no_action's); below the minimum no figure is "
     "called"),
    ("accepted", "of the band's customers offered it (with an outcome), the share who accepted: "
     "an offer can be accepted often and still not keep anyone"),
)  # fmt: skip
"""(figure, what it means): the legend under the CLI's table and the console's."""


@dataclass(frozen=True, slots=True)
class UpliftReport:
    """The uplift of every offer in every band on one window of the retention log.

    `rows` are the decisions with a retention answer in the window (`first` to `last` their
    times); `estimator` is "dr" or "snips" (None with no rows); `note` says in words why there
    is nothing to show.
    """

    computed_at: datetime
    window_start: datetime | None
    window_end: datetime | None
    reward: str
    rows: int
    estimator: str | None
    alpha: float
    min_ess: float
    cells: tuple[UpliftEstimate, ...]
    first: datetime | None = None
    last: datetime | None = None
    note: str | None = None

    @property
    def unit(self) -> str:
        """What an uplift is measured in."""
        return UNITS[self.reward]

    @property
    def flagged(self) -> tuple[UpliftEstimate, ...]:
        """The sleeping dogs: cells whose interval lies wholly below 0."""
        return tuple(c for c in self.cells if c.verdict == SLEEPING_DOG)

    @property
    def offer_ids(self) -> tuple[str, ...]:
        """The offers reported, in report order."""
        return tuple(dict.fromkeys(c.offer_id for c in self.cells))

    @property
    def bands(self) -> tuple[str, ...]:
        """The churn bands reported, low to high."""
        return BANDS

    def as_dict(self) -> dict[str, object]:
        """JSON-ready, with each cell's `is_flagged` and the estimator in words."""

        def time(t: datetime | None) -> str | None:
            return None if t is None else t.isoformat()

        return {
            "computed_at": time(self.computed_at),
            "window_start": time(self.window_start),
            "window_end": time(self.window_end),
            "first_decision": time(self.first),
            "last_decision": time(self.last),
            "reward": self.reward,
            "unit": self.unit,
            "rows": self.rows,
            "estimator": self.estimator,
            "estimator_words": ESTIMATOR_WORDS.get(self.estimator or ""),
            "alpha": self.alpha,
            "min_ess": self.min_ess,
            "bands": list(self.bands),
            "note": self.note,
            "cells": [{**c.as_dict(), "is_flagged": c.verdict == SLEEPING_DOG} for c in self.cells],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> UpliftReport:
        """The report back from `as_dict()` (the stored one); missing figures read as NaN."""
        cells = data.get("cells")
        estimator = data.get("estimator")
        note = data.get("note")
        return cls(
            computed_at=parse_time(data.get("computed_at"), "computed_at"),
            window_start=_time(data.get("window_start")),
            window_end=_time(data.get("window_end")),
            reward=str(data.get("reward", "retention_value")),
            rows=_int(data.get("rows")),
            estimator=None if estimator is None else str(estimator),
            alpha=_float(data.get("alpha")),
            min_ess=_float(data.get("min_ess")),
            cells=tuple(
                _cell(c)
                for c in (cells if isinstance(cells, list) else [])
                if isinstance(c, Mapping)
            ),
            first=_time(data.get("first_decision")),
            last=_time(data.get("last_decision")),
            note=None if note is None else str(note),
        )


def build_report(
    log: RetentionLog | None,
    *,
    reward: str,
    computed_at: datetime,
    rng: np.random.Generator,
    window: tuple[datetime | None, datetime | None] = (None, None),
    alpha: float = 0.05,
    min_ess: float = MIN_ESS,
) -> UpliftReport:
    """Estimate every offer's uplift in every band on `log` (see `nba.ope.uplift`)."""
    check_reward(reward)
    start, end = window
    if log is None:
        return UpliftReport(
            computed_at, start, end, reward, 0, None, alpha, min_ess, (),
            note="No decision in this window has a retention answer yet, so there is nothing "
            "to estimate: report whether customers stayed (POST /v1/decisions/{id}/retention).",
        )  # fmt: skip
    data = log.data
    note = None
    if NO_ACTION_ID not in data.offer_ids:
        note = (
            "No decision in this window had no_action among its eligible offers, so no offer "
            "can be compared with doing nothing."
        )
        return UpliftReport(
            computed_at, start, end, reward, data.n, None, alpha, min_ess, (),
            _first(log), _last(log), note,
        )  # fmt: skip
    q = None
    if data.n >= MODEL_MIN_ROWS:
        k = len(data.offer_ids)
        q = cross_fit(data.reward, data.action, k, rng, data.features(), N_FOLDS)
    cells = estimate_uplift(
        data.reward, data.action, data.pscore, data.logging_dist, data.eligible, data.bands(),
        data.offer_ids, no_action=NO_ACTION_ID, accepted=log.accepted, answered=log.answered,
        estimated_rewards=q, band_names=BANDS, alpha=alpha, min_ess=min_ess,
    )  # fmt: skip
    if not any(c.is_called for c in cells):
        note = (
            f"Support is too thin everywhere: no offer has {min_ess:g} effective decisions "
            "beside no_action's in any band, so no uplift is called yet."
        )
    return UpliftReport(
        computed_at, start, end, reward, data.n, "snips" if q is None else "dr", alpha,
        min_ess, cells, _first(log), _last(log), note,
    )  # fmt: skip


def _cell(raw: Mapping[str, object]) -> UpliftEstimate:
    rate = raw.get("acceptance_rate")

    def text(key: str) -> str:
        return str(raw.get(key, ""))

    def number(key: str) -> float:
        return _float(raw.get(key))

    def count(key: str) -> int:
        return _int(raw.get(key))

    return UpliftEstimate(
        offer_id=text("offer_id"),
        band=text("band"),
        estimator=text("estimator"),
        rows=count("rows"),
        offered=count("offered"),
        kept_quiet=count("kept_quiet"),
        ess_offer=number("ess_offer"),
        ess_no_action=number("ess_no_action"),
        unsupported_share=number("unsupported_share"),
        value=number("value"),
        baseline=number("baseline"),
        uplift=number("uplift"),
        ci_low=number("ci_low"),
        ci_high=number("ci_high"),
        answered=count("answered"),
        accepted=count("accepted"),
        acceptance_rate=float(rate) if isinstance(rate, int | float) else None,
        verdict=text("verdict"),
        why=text("why"),
    )


def _int(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) else math.nan


def _time(value: object) -> datetime | None:
    return None if value is None else parse_time(value, "time")


def _first(log: RetentionLog) -> datetime | None:
    ts = log.data.frame["ts"]
    return None if ts.empty else ts.min().to_pydatetime()


def _last(log: RetentionLog) -> datetime | None:
    ts = log.data.frame["ts"]
    return None if ts.empty else ts.max().to_pydatetime()
