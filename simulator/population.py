"""Synthetic customer populations: latent driver classes produce correlated CRM signals.

Each customer belongs to one hidden driver class (price, service, disengaged, loyal). The class
shifts the signals retention teams watch, and the signals feed each other the way DOMAIN.md
describes: outages drive support calls, calls leave unresolved tickets and technician visits,
all of them lower satisfaction; long tenure brings auto-pay, loyalty membership and longer
contracts; heavy data use and tenure lower churn; late payments, downgrade-prone contracts,
falling usage and co-occurring signal families raise it. The hidden `churn_probability` is
the true 90-day churn probability; `suspended_recently` is a decoy with no effect.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import pandas as pd

DRIVERS = ("price", "service", "disengaged", "loyal")
PLANS = ("basic", "standard", "premium")
CONTRACTS = ("month_to_month", "one_year", "two_year", "prepaid")
PAYMENT_METHODS = ("auto_debit", "credit_card", "bank_transfer", "cash")
CHANNELS = ("inbound_call", "app", "email", "sms", "store")

_DRIVER_SHARES = (0.3, 0.25, 0.2, 0.25)
_PLAN_ALLOWANCE_GB = np.array([5.0, 20.0, 60.0])
_PLAN_PRICE = np.array([25.0, 50.0, 85.0])

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

# Columns a CRM can see, in the order contexts list them; the rest of `Population` is hidden.
OBSERVED = (
    "tenure_months",
    "plan",
    "contract",
    "monthly_charges",
    "payment_method",
    "late_payments_6m",
    "support_calls_30d",
    "unresolved_tickets",
    "technician_visits_60d",
    "outages_30d",
    "data_usage_gb",
    "data_usage_pct",
    "data_trend_pct",
    "device_age_months",
    "device_issues_30d",
    "satisfaction",
    "loyalty_member",
    "suspended_recently",
    "channel",
)
CATEGORICAL = {
    "plan": PLANS,
    "contract": CONTRACTS,
    "payment_method": PAYMENT_METHODS,
    "channel": CHANNELS,
}


@dataclass(frozen=True, slots=True, eq=False)
class Population:
    """A struct of arrays, one entry per customer; categorical columns hold codes.

    Hidden columns: `driver` (index into DRIVERS), `price_sensitivity` in [0, 1] and
    `churn_probability` (true 90-day churn probability).
    """

    tenure_months: Ints
    plan: Ints
    contract: Ints
    monthly_charges: Floats
    payment_method: Ints
    late_payments_6m: Ints
    support_calls_30d: Ints
    unresolved_tickets: Ints
    technician_visits_60d: Ints
    outages_30d: Ints
    data_usage_gb: Floats
    data_usage_pct: Floats
    data_trend_pct: Floats
    device_age_months: Ints
    device_issues_30d: Ints
    satisfaction: Ints
    loyalty_member: Ints
    suspended_recently: Ints
    channel: Ints
    driver: Ints
    price_sensitivity: Floats
    churn_probability: Floats

    @property
    def size(self) -> int:
        """The number of customers."""
        return len(self.tenure_months)

    def to_frame(self, hidden: bool = False) -> pd.DataFrame:
        """The population as a DataFrame with category names; hidden columns only if asked."""
        names = [f.name for f in fields(self)] if hidden else list(OBSERVED)
        data: dict[str, object] = {}
        for name in names:
            values = getattr(self, name)
            if name in CATEGORICAL:
                values = np.asarray(CATEGORICAL[name])[values]
            elif name == "driver":
                values = np.asarray(DRIVERS)[values]
            data[name] = values
        return pd.DataFrame(data)


def _sigmoid(z: Floats) -> Floats:
    return 1.0 / (1.0 + np.exp(-z))


def _categorical(rng: np.random.Generator, probs: Floats) -> Ints:
    """One draw per row of a (n, k) probability matrix, vectorised."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


def generate(n: int, rng: np.random.Generator) -> Population:
    """Draw `n` customers with correlated signals and their hidden true churn probability."""
    driver = rng.choice(len(DRIVERS), size=n, p=_DRIVER_SHARES).astype(np.int64)
    price, service, disengaged, loyal = (driver == k for k in range(4))
    price_f, service_f, dis_f, loyal_f = (
        a.astype(float) for a in (price, service, disengaged, loyal)
    )

    tenure = np.where(loyal, rng.gamma(3.0, 22.0, n), rng.gamma(1.6, 14.0, n))
    tenure = np.clip(np.round(tenure), 1, 120).astype(np.int64)
    years = tenure / 12.0

    plan_logits = np.stack(
        [0.6 * price_f, np.full(n, 0.3), 0.8 * loyal_f + 0.1 * years - 0.5 * price_f], axis=1
    )
    plan = _categorical(rng, np.exp(plan_logits))
    contract_w = np.array(
        [
            [0.45, 0.15, 0.05, 0.35],  # price
            [0.40, 0.30, 0.20, 0.10],  # service
            [0.45, 0.20, 0.10, 0.25],  # disengaged
            [0.15, 0.35, 0.45, 0.05],  # loyal
        ]
    )[driver]
    contract_w[:, 1:3] *= (1.0 + 0.15 * years)[:, None]
    contract = _categorical(rng, contract_w)

    price_sensitivity = np.where(price, rng.beta(5.0, 2.0, n), rng.beta(2.0, 5.0, n))
    bill_shock = price_f * rng.gamma(2.0, 6.0, n)
    charges = _PLAN_PRICE[plan] * (1.0 + 0.15 * rng.standard_normal(n)) + bill_shock
    charges = np.round(np.clip(charges, 10.0, 200.0), 2)

    pay_logits = np.stack(
        [
            -1.0 + 0.4 * years,
            np.full(n, 0.0),
            0.3 * price_sensitivity,
            -0.5 + 1.5 * price_sensitivity + 0.8 * (contract == 3),
        ],
        axis=1,
    )
    payment = _categorical(rng, np.exp(pay_logits))
    manual = (payment >= 2).astype(float)
    late = rng.poisson(0.1 + 1.3 * price_sensitivity + 0.5 * manual)

    outages = rng.poisson(0.3 + 2.0 * service_f)
    calls = rng.poisson(0.2 + 0.7 * outages + 0.6 * service_f + 0.4 * price_f + 0.3 * late)
    unresolved = rng.binomial(calls, 0.2 + 0.25 * service_f)
    tech_visits = rng.binomial(outages, 0.35) + rng.poisson(0.05, n)

    device_age = np.clip(np.round(rng.gamma(2.2, 9.0, n)), 0, 72).astype(np.int64)
    device_issues = rng.poisson(0.05 + 0.03 * np.maximum(device_age - 18, 0) + 0.3 * service_f)

    heavy = rng.random(n) < np.where(loyal | price, 0.3, np.where(disengaged, 0.05, 0.2))
    usage_pct = np.where(heavy, rng.uniform(0.8, 1.25, n), rng.beta(2.0, 3.5, n))
    usage_pct = np.round(np.where(disengaged, usage_pct * 0.6, usage_pct), 3).astype(np.float64)
    usage_gb = np.round(usage_pct * _PLAN_ALLOWANCE_GB[plan], 2)
    trend = np.where(disengaged, rng.normal(-30.0, 15.0, n), rng.normal(2.0, 10.0, n))
    trend = np.round(np.clip(trend, -90.0, 100.0), 1)

    sat_latent = (
        4.1
        - 0.3 * outages
        - 0.2 * calls
        - 0.4 * unresolved
        - 0.3 * device_issues
        + 0.3 * loyal_f
        - 0.5 * dis_f
        + 0.6 * rng.standard_normal(n)
    )
    satisfaction = np.clip(np.round(sat_latent), 1, 5).astype(np.int64)
    member = (rng.random(n) < _sigmoid(-2.0 + 0.35 * years + 1.0 * loyal_f)).astype(np.int64)
    suspended = (rng.random(n) < 0.05).astype(np.int64)

    channel_w = np.array(
        [
            [0.30, 0.30, 0.20, 0.10, 0.10],  # price
            [0.55, 0.15, 0.10, 0.10, 0.10],  # service: complainers call
            [0.10, 0.30, 0.35, 0.20, 0.05],  # disengaged
            [0.25, 0.35, 0.15, 0.05, 0.20],  # loyal
        ]
    )[driver]
    channel = _categorical(rng, channel_w)

    families = (
        (late > 0).astype(int)
        + (calls + unresolved >= 3)
        + (outages >= 2)
        + (trend <= -30)
        + (satisfaction <= 2)
    )
    bill_z = (charges - charges.mean()) / (charges.std() + 1e-9)
    churn_logit = (
        -2.7
        + 0.3 * np.minimum(late, 4)
        + 0.15 * np.minimum(calls, 6)
        + 0.35 * np.minimum(unresolved, 4)
        + 0.15 * np.minimum(outages, 5)
        + 0.6 * (contract == 0)
        + 0.8 * (contract == 3)
        - 0.4 * (contract == 2)
        - 0.12 * np.minimum(years, 10)
        - 0.02 * trend
        - 0.35 * (satisfaction - 3)
        - 0.4 * member
        - 0.5 * heavy
        + 0.9 * (families >= 3)
        + 0.5 * price_sensitivity * np.maximum(bill_z, 0)
        + 0.3 * dis_f
    )
    return Population(
        tenure_months=tenure,
        plan=plan,
        contract=contract,
        monthly_charges=charges,
        payment_method=payment,
        late_payments_6m=late.astype(np.int64),
        support_calls_30d=calls.astype(np.int64),
        unresolved_tickets=unresolved.astype(np.int64),
        technician_visits_60d=tech_visits.astype(np.int64),
        outages_30d=outages.astype(np.int64),
        data_usage_gb=usage_gb,
        data_usage_pct=usage_pct,
        data_trend_pct=trend,
        device_age_months=device_age,
        device_issues_30d=device_issues.astype(np.int64),
        satisfaction=satisfaction,
        loyalty_member=member,
        suspended_recently=suspended,
        channel=channel,
        driver=driver,
        price_sensitivity=price_sensitivity,
        churn_probability=_sigmoid(churn_logit),
    )
