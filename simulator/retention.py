"""Churn outcome: does the customer stay through the retention window, given the decision.

Built from the hidden 90-day `churn_probability` c (DOMAIN.md 6(a), "accept ≠ retained"):
- `no_action`: the customer churns with probability c.
- a contact (any offer, accepted or not) wakes "sleeping dogs" (disengaged, c < 0.2): their
  churn rises to `1 - (1 - c)(1 - WAKE_CHURN)`; everyone else keeps c.
- an accept multiplies that churn by `1 - save_rate * fit`, where `fit` says how well the offer
  suits the customer's hidden driver (price, service, disengaged, loyal): a matched accept cuts
  the hazard to x0.5-0.8, a mismatched one ("sure things" taking a discount) leaves it ~x1.
A retained customer is worth `monthly_charges * CLV_MONTHS` (plus the revenue of an accepted
upsell); the net value of a decision is `retained * value - offer cost if accepted`. The
`retention_value` reward is that net value minus the context-only baseline
`(1 - churn score) * customer value`, scaled (`nba.reward.retention_reward`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nba.reward import retention_reward
from simulator.population import Population
from simulator.truth import CLV_MONTHS, SIGNALS, ResponseModel

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

WAKE_CHURN = 0.25
"""Extra churn a contact causes among sleeping dogs (share of those who would have stayed)."""
RETENTION_SCALE = 4000.0
"""Default `retention_value` scale: with the baseline the final rewards are never clipped in
`delayed` (residuals reach about +-2,200), and the corrections `2 * final - interim` for about
0.5% of decisions (benchmarks/retention_reward.py prints both shares)."""
FIT: Mapping[str, tuple[float, float, float, float]] = {
    "discount_10": (1.0, 0.1, 0.2, 0.0),
    "discount_25": (1.0, 0.1, 0.2, 0.0),
    "device_upgrade": (0.4, 1.0, 0.2, 0.3),
    "loyalty_programme": (0.3, 0.2, 0.3, 1.0),
    "data_bonus": (0.6, 0.3, 0.2, 0.6),
    "technician_visit": (0.0, 1.0, 0.0, 0.1),
    "streaming_bundle": (0.5, 0.2, 0.6, 0.6),
}
"""How well each offer's accept addresses each driver's reason to leave (0 = not at all)."""


@dataclass(frozen=True, slots=True, eq=False)
class RetentionTruth:
    """Per customer: churn left alone, churn if contacted, churn if accepted, and value."""

    base: Floats
    contacted: Floats
    accepted: Floats
    value: Floats
    revenue: Floats
    contact: npt.NDArray[np.bool_]
    costs: Floats

    def churn(self, customers: Ints, offers: Ints, accepted: npt.NDArray[np.bool_]) -> Floats:
        """Churn probability of each (customer, chosen offer, accepted) triple."""
        declined = np.where(self.contact[offers], self.contacted[customers], self.base[customers])
        return np.where(accepted, self.accepted[customers, offers], declined)

    def net_value(
        self,
        customers: Ints,
        offers: Ints,
        accepted: npt.NDArray[np.bool_],
        retained: npt.NDArray[np.bool_],
        costs: Floats,
    ) -> Floats:
        """Realised net value: retained * (value + upsell revenue) - offer cost if accepted."""
        revenue = np.where(accepted, self.revenue[customers, offers], 0.0)
        return retained * (self.value[customers] + revenue) - accepted * costs[offers]

    def churn_of(self, i: int, j: int, accepted: bool) -> float:
        """Churn probability of customer i after offer j, accepted or not."""
        if accepted:
            return float(self.accepted[i, j])
        return float(self.contacted[i] if self.contact[j] else self.base[i])

    def worth_of(self, i: int, j: int, accepted: bool) -> float:
        """What customer i is worth if retained: value, plus an accepted upsell's revenue."""
        return float(self.value[i] + (self.revenue[i, j] if accepted else 0.0))

    def reward(
        self, i: int, j: int, accepted: bool, retained: bool, scale: float, churn_score: float
    ) -> float:
        """The `retention_value` reward of one answer (`nba.reward.retention_reward`).

        The baseline is on the customer's own value, without an accepted upsell's revenue, so
        it does not depend on the offer. (Over HTTP the service gets one value, the worth, and
        takes the baseline on it: an accepted upsell's reward is lower there by
        `(1 - churn score) * revenue / scale`.)
        """
        return retention_reward(
            retained=retained,
            customer_value=self.worth_of(i, j, accepted),
            offer_cost=float(self.costs[j]),
            accepted=accepted,
            scale=scale,
            churn_score=churn_score,
            baseline_value=float(self.value[i]),
        )

    def outcomes(
        self, customers: Ints, p_accept: Floats, costs: Floats, cols: Ints | None = None
    ) -> tuple[tuple[Floats, Floats], ...]:
        """(probability, net value) of declined/accepted x kept/lost, per step and offer."""
        cols = np.arange(self.accepted.shape[1]) if cols is None else cols
        costs = costs[cols]
        value = self.value[customers][:, None]
        base, contacted = self.base[customers][:, None], self.contacted[customers][:, None]
        c_declined = np.where(self.contact[cols], contacted, base)
        c_accepted = self.accepted[customers][:, cols]
        kept_value = value + self.revenue[customers][:, cols]
        return (
            ((1 - p_accept) * (1 - c_declined), np.broadcast_to(value, p_accept.shape)),
            ((1 - p_accept) * c_declined, np.zeros_like(p_accept)),
            (p_accept * (1 - c_accepted), kept_value - costs),
            (p_accept * c_accepted, np.broadcast_to(-costs, p_accept.shape)),
        )

    def expected_net_value(self, customers: Ints, p_accept: Floats, costs: Floats) -> Floats:
        """Expected net value of each offer (steps x offers) given acceptance probabilities."""
        out = np.zeros_like(p_accept)
        for p, v in self.outcomes(customers, p_accept, costs):
            out += p * v
        return out

    def expected_reward(
        self,
        customers: Ints,
        p_accept: Floats,
        costs: Floats,
        scale: float,
        scores: Floats,
        cols: Ints | None = None,
    ) -> Floats:
        """Expected `retention_value` reward, averaged exactly over the four outcomes.

        The clipped, scaled net value less the baseline `(1 - churn score) * value`, `scores`
        being the customers' logged churn scores.
        """
        baseline = ((1.0 - scores) * self.value[customers])[:, None]
        out = np.zeros_like(p_accept)
        for p, v in self.outcomes(customers, p_accept, costs, cols):
            out += p * np.clip((v - baseline) / scale, -1.0, 1.0)
        return out


def retention_truth(
    population: Population,
    signals: Floats,
    model: ResponseModel,
    fit: Mapping[str, tuple[float, float, float, float]] = FIT,
) -> RetentionTruth:
    """The churn outcome's ground truth for a population and the offers of `model`; `fit`
    (by offer id, FIT by default) says how well each offer's accept keeps each driver."""
    churn = signals[:, SIGNALS.index("churn")]
    sleeping = (population.driver == 2) & (churn < 0.2)
    contacted = np.where(sleeping, 1.0 - (1.0 - churn) * (1.0 - WAKE_CHURN), churn)
    n, k = len(churn), len(model.offers)
    accepted = np.repeat(contacted[:, None], k, axis=1)
    revenue = np.zeros((n, k))
    contact = np.isfinite([r.intercept for r in model.responses])
    for j, (offer, r) in enumerate(zip(model.offers, model.responses, strict=True)):
        if not contact[j]:
            accepted[:, j] = churn
            continue
        fits = np.asarray(fit.get(offer.id, (0.0,) * 4))[population.driver]
        accepted[:, j] = contacted * (1.0 - r.save_rate * fits)
        revenue[:, j] = r.revenue * np.maximum(1.0 + r.revenue_churn_slope * churn, -1.0)
    value = population.monthly_charges * CLV_MONTHS
    return RetentionTruth(
        churn, contacted, accepted, value, revenue, np.asarray(contact), model.costs()
    )


def retention_timing(scenario: object) -> tuple[float, float, float, float]:
    """A scenario's retention delay range, never-answered share and window, in days."""
    low, high = getattr(scenario, "retention_delay_days", (30.0, 90.0))
    never = getattr(scenario, "retention_never_share", 0.1)
    return (
        float(low),
        float(high),
        float(never),
        float(getattr(scenario, "retention_window_days", 120.0)),
    )


def retention_delays(
    rng: np.random.Generator, n: int, low: float, high: float, never: float
) -> Floats:
    """Days until each retention answer: uniform in [low, high], `np.inf` for a share `never`."""
    delays = rng.uniform(low, high, n)
    return np.where(rng.random(n) < never, np.inf, delays)
