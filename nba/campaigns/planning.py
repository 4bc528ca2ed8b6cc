"""The campaign's plan: its caps, and the prices solved on a sample of its customers.

Budgets apply to the whole file, so on a sample holding a share s of the treated (not held
out) customers each cap is s times the budget. Whether a customer explores, and what they
would get, are their own draws: the exploring customers of the sample use a known part of
each cap, and the prices share the rest among the others. When the sample is the whole file
(at most `sample_size` customers) every cap holds exactly, in expected accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.campaigns.duals import solve
from nba.campaigns.scoring import Scores
from nba.campaigns.spec import CampaignSpec
from nba.domain import Offer
from nba.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Limit:
    """One offer's budget as a cap on expected accepts, and which limit sets it."""

    offer_id: str
    cap: float
    accepts: float | None
    spend: float | None

    @property
    def binding(self) -> str:
        """`accepts` or `spend`: the limit that the cap comes from."""
        if self.spend is None:
            return "accepts"
        return "accepts" if self.accepts is not None and self.cap == self.accepts else "spend"


def limits(spec: CampaignSpec, offers: Sequence[Offer]) -> list[Limit]:
    """The budgeted offers' caps on expected accepts (money over the cost per accept)."""
    accepts, spend = dict(spec.budgets), dict(spec.spend)
    found: list[Limit] = []
    for offer in offers:
        if offer.id not in accepts and offer.id not in spend:
            continue
        caps = [accepts[offer.id]] if offer.id in accepts else []
        if offer.id in spend:
            if offer.cost <= 0:
                raise InvalidInput("spend", f"{offer.id} costs nothing per accept: cap accepts")
            caps.append(spend[offer.id] / offer.cost)
        found.append(Limit(offer.id, min(caps), accepts.get(offer.id), spend.get(offer.id)))
    return found


def solve_prices(
    sample: Scores,
    explores: npt.NDArray[np.bool_],
    picks: npt.NDArray[np.int64],
    treated: int,
    spec: CampaignSpec,
    offers: Sequence[Offer],
) -> dict[str, object]:
    """Prices per offer from the sample of `treated` customers, and the figures behind them.

    The figures (expected use, total, dual bound) are per the whole file, scaled from the
    sample. InvalidInput names `exploration` when exploring alone would overspend a budget.
    """
    k = len(offers)
    share = sample.rewards.shape[0] / treated if treated else 1.0
    caps = np.full(k, np.inf)
    column = {o.id: j for j, o in enumerate(offers)}
    found = limits(spec, offers)
    rows = np.flatnonzero(explores)
    explored = np.bincount(picks[rows], weights=sample.accepts[rows, picks[rows]], minlength=k)
    priced = sample.take(np.flatnonzero(~explores))
    for limit in found:
        j = column[limit.offer_id]
        room = limit.cap * share - explored[j]
        if room < 0:
            raise InvalidInput(
                "exploration",
                f"exploring alone would use {explored[j] / share:.1f} expected accepts of "
                f"{limit.offer_id}, over its cap of {limit.cap:g}: lower the exploration share",
            )
        caps[j] = room
    solution = solve(priced.rewards, priced.accepts, caps)
    scale = 1.0 / share if share else 0.0
    use = (solution.use + explored) * scale
    return {
        "prices": {o.id: float(solution.prices[j]) for j, o in enumerate(offers)},
        "caps": {lim.offer_id: lim.cap for lim in found},
        "limits": {
            lim.offer_id: {"accepts": lim.accepts, "spend": lim.spend, "binding": lim.binding}
            for lim in found
        },
        "planned_use": {o.id: float(use[j]) for j, o in enumerate(offers)},
        "sample_rows": int(sample.rewards.shape[0]),
        "treated_rows": int(treated),
        "total": solution.total * scale,  # of the priced (not exploring) customers
        "dual_bound": solution.dual_bound * scale,
        "rounds": solution.rounds,
    }


def prices_of(plan: Mapping[str, object], offers: Sequence[Offer]) -> FloatArray:
    """The plan's prices in the offers' order."""
    prices = plan["prices"]
    assert isinstance(prices, Mapping)
    return np.array([float(prices.get(o.id, 0.0)) for o in offers])
