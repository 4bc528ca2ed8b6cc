"""Ground truth: for each customer and offer, the acceptance probability and the value if accepted.

Acceptance is logistic in a few derived *signals* of the customer (true churn, price
sensitivity, bill, device age, complaints, tenure, data use near the limit, satisfaction):
`logit = intercept[offer] + signals @ weights[:, offer] + channel effect - fatigue`. The
default weights encode what retention teams describe: discounts for price-sensitive, high-bill,
high-risk customers; device upgrades for old devices and device complaints; technician visits
for outage and support-call complainers; loyalty for long tenure; data bonuses near the data
limit; upsells only for low-risk satisfied customers. `no_action` is never "accepted".
Every contact adds fatigue, which lowers acceptance of later offers.

Value of an accept (gross, before the offer's cost): `save_rate * churn * CLV + revenue`, minus
a wake-up penalty for "sleeping dogs" (disengaged, low-risk customers whom a contact reminds to
leave), so that under net-value reward doing nothing is best for some customers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from nba.config import RewardMode
from nba.domain import Offer
from simulator.population import CHANNELS, Population

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

SIGNALS = (
    "churn",
    "price_sensitivity",
    "bill_z",
    "device_old",
    "device_issues",
    "outages",
    "calls",
    "unresolved",
    "tenure_years",
    "non_member",
    "near_limit",
    "satisfaction_z",
    "not_low_risk_satisfied",
    "heavy_engaged",
    "trend_down",
)
CLV_MONTHS = 24.0
WAKE_PENALTY = 0.15
"""Share of CLV lost when a sleeping dog accepts a contact."""


@dataclass(frozen=True, slots=True)
class Response:
    """How one offer is answered: acceptance logit weights and the value of an accept."""

    intercept: float
    weights: tuple[tuple[str, float], ...] = ()
    save_rate: float = 0.0
    revenue: float = 0.0
    revenue_churn_slope: float = 0.0

    def shifted(self, intercept: float = 0.0, **weights: float) -> Response:
        """A copy with the intercept and named weights moved by the given amounts."""
        merged = dict(self.weights)
        for name, delta in weights.items():
            merged[name] = merged.get(name, 0.0) + delta
        return replace(self, intercept=self.intercept + intercept, weights=tuple(merged.items()))


NEVER = Response(intercept=-np.inf)
"""The response of `no_action`: never accepted, no value."""

DEFAULT_RESPONSES: Mapping[str, Response] = {
    "no_action": NEVER,
    "discount_10": Response(
        -3.3, (("churn", 3.0), ("price_sensitivity", 1.6), ("bill_z", 0.5)), save_rate=0.35
    ),
    "discount_25": Response(
        -3.5, (("churn", 3.8), ("price_sensitivity", 2.0), ("bill_z", 0.7)), save_rate=0.5
    ),
    "device_upgrade": Response(
        -3.3, (("device_old", 1.2), ("device_issues", 0.8), ("churn", 0.8)), save_rate=0.5
    ),
    "loyalty_programme": Response(
        -3.2, (("tenure_years", 0.3), ("non_member", 0.7), ("churn", -1.0)), save_rate=0.2
    ),
    "data_bonus": Response(-3.4, (("near_limit", 1.8), ("churn", 0.5)), save_rate=0.3),
    "technician_visit": Response(
        -3.5, (("outages", 0.4), ("calls", 0.3), ("unresolved", 0.5)), save_rate=0.5
    ),
    "premium_upsell": Response(
        -1.6,
        (("satisfaction_z", 0.5), ("churn", -3.0), ("not_low_risk_satisfied", -20.0)),
        revenue=150.0,
        revenue_churn_slope=-5.0,
    ),
    "streaming_bundle": Response(
        -3.0, (("heavy_engaged", 2.2), ("satisfaction_z", 0.3)), save_rate=0.3, revenue=30.0
    ),
}
"""Ground-truth responses of the default catalog and of the `new_offer` arm."""

CHANNEL_EFFECT: Mapping[str, float] = {
    "inbound_call": 0.5,
    "app": 0.0,
    "email": -0.6,
    "sms": -0.4,
    "store": 0.3,
}


def signals(population: Population) -> Floats:
    """The (n, len(SIGNALS)) matrix of derived signals acceptance depends on."""
    p = population
    churn = p.churn_probability
    near_limit = np.clip((p.data_usage_pct - 0.7) / 0.3, 0.0, 2.0)
    columns = {
        "churn": churn,
        "price_sensitivity": p.price_sensitivity,
        "bill_z": (p.monthly_charges - 60.0) / 25.0,
        "device_old": np.clip((p.device_age_months - 24.0) / 12.0, 0.0, 3.0),
        "device_issues": np.minimum(p.device_issues_30d, 3),
        "outages": np.minimum(p.outages_30d, 5),
        "calls": np.minimum(p.support_calls_30d, 6),
        "unresolved": np.minimum(p.unresolved_tickets, 4),
        "tenure_years": np.minimum(p.tenure_months / 12.0, 8.0),
        "non_member": 1 - p.loyalty_member,
        "near_limit": near_limit,
        "satisfaction_z": p.satisfaction - 3.0,
        "not_low_risk_satisfied": ~((churn < 0.15) & (p.satisfaction >= 4)),
        "heavy_engaged": near_limit * (p.data_trend_pct >= 0),
        "trend_down": np.clip(-p.data_trend_pct / 30.0, 0.0, 3.0),
    }
    return np.stack([np.asarray(columns[s], dtype=np.float64) for s in SIGNALS], axis=1)


def sigmoid(z: Floats) -> Floats:
    """Logistic function, stable for large |z| and exact 0 at -inf."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@dataclass(frozen=True, slots=True, eq=False)
class ResponseModel:
    """Acceptance logits and values for a fixed list of offers (columns in `offers` order)."""

    offers: tuple[Offer, ...]
    responses: tuple[Response, ...]
    channel_effect: Mapping[str, float] = field(default_factory=lambda: dict(CHANNEL_EFFECT))
    fatigue_per_contact: float = 0.5

    @classmethod
    def default(
        cls, offers: Sequence[Offer], responses: Mapping[str, Response] | None = None
    ) -> ResponseModel:
        """The model for `offers` with the default (or given) responses, looked up by offer id."""
        table = DEFAULT_RESPONSES if responses is None else responses
        return cls(tuple(offers), tuple(table[o.id] for o in offers))

    @property
    def offer_ids(self) -> tuple[str, ...]:
        """Offer ids, in column order."""
        return tuple(o.id for o in self.offers)

    def with_responses(self, **changes: Response) -> ResponseModel:
        """A copy with some offers' responses replaced (by offer id): how drift is made."""
        new = tuple(changes.get(o.id, r) for o, r in zip(self.offers, self.responses, strict=True))
        return replace(self, responses=new)

    def _matrices(self) -> tuple[Floats, Floats]:
        intercepts = np.array([r.intercept for r in self.responses], dtype=np.float64)
        weights = np.zeros((len(SIGNALS), len(self.responses)))
        index = {s: i for i, s in enumerate(SIGNALS)}
        for j, response in enumerate(self.responses):
            for name, w in response.weights:
                weights[index[name], j] = w
        return intercepts, weights

    def logits(self, sig: Floats, channel: Ints) -> Floats:
        """Acceptance logits before fatigue, shape (n, offers); `-inf` for never-accepted offers."""
        intercepts, weights = self._matrices()
        effect = np.array([self.channel_effect.get(c, 0.0) for c in CHANNELS])[channel]
        contact = np.isfinite(intercepts).astype(np.float64)
        return intercepts + sig @ weights + effect[:, None] * contact

    def values(self, sig: Floats, population: Population) -> Floats:
        """Gross value of an accept (before the offer's cost), shape (n, offers)."""
        churn = sig[:, SIGNALS.index("churn")]
        clv = population.monthly_charges * CLV_MONTHS
        sleeping = (population.driver == 2) & (churn < 0.2)
        wake = WAKE_PENALTY * clv * sleeping
        out = np.zeros((len(churn), len(self.responses)))
        for j, r in enumerate(self.responses):
            if not np.isfinite(r.intercept):
                continue
            revenue = r.revenue * np.maximum(1.0 + r.revenue_churn_slope * churn, -1.0)
            out[:, j] = r.save_rate * churn * clv + revenue - wake
        return out

    def costs(self) -> Floats:
        """Cost per accept of each offer."""
        return np.array([o.cost for o in self.offers], dtype=np.float64)


def acceptance(logits: Floats, fatigue: Floats | float, fatigue_per_contact: float) -> Floats:
    """Acceptance probabilities from logits and each customer's recent-contact fatigue."""
    fatigue_arr = np.asarray(fatigue, dtype=np.float64)
    if fatigue_arr.ndim == 1:
        fatigue_arr = fatigue_arr[:, None]
    return sigmoid(logits - fatigue_per_contact * fatigue_arr)


def expected_reward(
    probabilities: Floats,
    values: Floats,
    costs: Floats,
    reward_mode: RewardMode | str = RewardMode.ACCEPTANCE,
    reward_scale: float = 100.0,
) -> Floats:
    """Expected reward of each offer: P(accept) for acceptance, P * clip((v - c) / scale) else."""
    mode = RewardMode(reward_mode)
    if mode is RewardMode.ACCEPTANCE:
        return probabilities
    if mode is RewardMode.NET_VALUE:
        return probabilities * np.clip((values - costs) / reward_scale, -1.0, 1.0)
    raise ValueError(f"reward_mode must be 'acceptance' or 'net_value', got {reward_mode!r}")


def oracle_choice(expected: Floats, active: npt.NDArray[np.bool_] | None = None) -> Ints:
    """The oracle's offer per row: the column with the highest expected reward among active ones."""
    masked = expected if active is None else np.where(active, expected, -np.inf)
    return np.argmax(masked, axis=-1)
