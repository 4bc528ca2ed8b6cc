"""The bench workload: nine realistic retention offers and generated decision requests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["CHANNELS", "make_contexts", "make_offers"]

CHANNELS = ("app", "email", "sms", "call_center")
_OFFERS: tuple[dict[str, object], ...] = (
    {
        "id": "discount_10",
        "name": "10% off for 6 months",
        "category": "discount",
        "cost": 30,
        "features": {"discount_pct": 10, "duration_months": 6, "kind": "percent"},
    },
    {
        "id": "discount_20",
        "name": "20% off for 3 months",
        "category": "discount",
        "cost": 36,
        "eligibility": {"churn_min": 0.3},
        "features": {
            "discount_pct": 20,
            "duration_months": 3,
            "kind": "percent",
            "stackable": False,
        },
    },
    {
        "id": "device_upgrade",
        "name": "Early device upgrade",
        "category": "device",
        "cost": 120,
        "eligibility": {"conditions": [{"field": "tenure_months", "op": "ge", "value": 12}]},
        "features": {"subsidy": 150, "device_tier": "mid", "term_months": 24},
    },
    {
        "id": "loyalty_points",
        "name": "2,000 loyalty points",
        "category": "loyalty",
        "cost": 20,
        "features": {"points": 2000, "tier": "gold", "expiry_months": 12},
    },
    {
        "id": "data_bonus_10gb",
        "name": "10 GB extra data",
        "category": "data_bonus",
        "cost": 8,
        "features": {
            "extra_gb": 10,
            "duration_months": 3,
            "includes_roaming": False,
            "kind": "data",
        },
    },
    {
        "id": "plan_upgrade",
        "name": "Premium plan trial",
        "category": "upsell",
        "cost": 15,
        "value": 120,
        "eligibility": {"plans": ["basic", "plus"]},
        "features": {
            "target_plan": "premium",
            "price_delta": 10,
            "trial_months": 1,
            "bundle": "tv",
        },
    },
    {
        "id": "free_month",
        "name": "One month free",
        "category": "discount",
        "cost": 55,
        "eligibility": {"churn_min": 0.5},
        "features": {"months_free": 1, "requires_contract": True, "kind": "credit"},
    },
    {
        "id": "tech_visit",
        "name": "Priority technician visit",
        "category": "service",
        "cost": 40,
        "eligibility": {"channels": ["app", "call_center", "sms"]},
        "features": {"priority": "high", "onsite": True, "wait_days": 1},
    },
    {
        "id": "renewal_bonus",
        "name": "Renewal credit",
        "category": "loyalty",
        "cost": 50,
        "eligibility": {
            "conditions": [
                {"field": "contract", "op": "in", "value": ["month_to_month", "one_year"]}
            ]
        },
        "features": {
            "bonus_credit": 50,
            "lock_months": 12,
            "kind": "credit",
            "upfront": True,
            "tier": "silver",
        },
    },
)


def make_offers(count: int) -> list[dict[str, object]]:
    """`count - 1` offer specs (no_action is built in); past nine, numbered copies."""
    specs = []
    for i in range(max(count - 1, 0)):
        spec = dict(_OFFERS[i % len(_OFFERS)])
        if i >= len(_OFFERS):
            spec["id"] = f"{spec['id']}_{i // len(_OFFERS)}"
        specs.append(spec)
    return specs


def make_contexts(n: int, features: int, rng: np.random.Generator) -> list[dict[str, object]]:
    """`n` decision request bodies with `features` context fields (numbers, strings, bools)."""
    tenure = rng.integers(0, 73, n)
    monthly = rng.uniform(20, 120, n).round(2)
    pick = rng.choice
    columns: dict[str, Sequence[object]] = {
        "tenure_months": tenure.tolist(),
        "monthly_charges": monthly.tolist(),
        "total_charges": (tenure * monthly).round(2).tolist(),
        "plan": pick(["basic", "plus", "premium", "unlimited"], n).tolist(),
        "contract": pick(["month_to_month", "one_year", "two_year"], n).tolist(),
        "payment_method": pick(["card", "bank", "invoice", "paypal"], n).tolist(),
        "support_calls_30d": rng.poisson(1.0, n).tolist(),
        "dropped_calls_30d": rng.poisson(2.0, n).tolist(),
        "data_usage_gb": rng.gamma(2.0, 6.0, n).round(3).tolist(),
        "device_age_months": rng.integers(0, 60, n).tolist(),
        "has_fiber": (rng.random(n) < 0.4).tolist(),
        "region": pick(["north", "south", "east", "west", "central"], n).tolist(),
        "segment": pick(["consumer", "small_business", "family"], n).tolist(),
        "num_lines": rng.integers(1, 6, n).tolist(),
        "late_payments_12m": rng.poisson(0.5, n).tolist(),
        "nps": rng.integers(0, 11, n).tolist(),
        "days_since_last_offer": rng.integers(0, 365, n).tolist(),
        "app_logins_30d": rng.poisson(8.0, n).tolist(),
        "roaming": (rng.random(n) < 0.1).tolist(),
        "age": rng.integers(18, 86, n).tolist(),
    }
    names = list(columns)[:features]
    for k in range(len(columns), features):
        columns[f"extra_{k}"] = rng.normal(size=n).round(4).tolist()
        names.append(f"extra_{k}")
    churn = rng.beta(2.0, 5.0, n).round(4).tolist()
    channel = pick(CHANNELS, n).tolist()
    return [
        {
            "customer_id": f"c{i:07d}",
            "churn_score": churn[i],
            "channel": channel[i],
            "context": {name: columns[name][i] for name in names},
        }
        for i in range(n)
    ]
