"""Examples of request and reply bodies for the API reference (`/openapi.json`, `/docs`).

Keyed by the pydantic model's name; the OpenAPI document gives each as the `example` of its
media type, so Swagger UI fills "Try it out" with a request that works on a fresh service
(the README's tour offer and customer). Each example validates against its model
(tests/contract/test_docs_http.py).
"""

from __future__ import annotations

from collections.abc import Mapping

_DECISION_ID = "4f0c2b9e-8d1a-4c55-9a53-2f1e0c9d7b11"
_TS = "2026-11-30T09:15:02.481000+00:00"
_CUSTOMER = {
    "customer_id": "c-1042",
    "churn_score": 0.81,
    "channel": "inbound_call",
    "context": {
        "plan": "premium",
        "tenure_months": 30,
        "monthly_charges": 85.5,
        "support_calls_30d": 3,
    },
}
_OFFER = {
    "id": "discount_10",
    "name": "10% off next bill",
    "category": "discount",
    "cost": 5,
    "value": 40,
    "features": {"discount_pct": 10},
    "eligibility": {"churn_min": 0.3},
    "caps": {"max_per_customer": 2, "window_days": 30},
}
_DECISION_REPLY = {
    "decision_id": _DECISION_ID,
    "offer_id": "discount_10",
    "probability": 0.62,
    "ranking": [
        {"offer_id": "discount_10", "probability": 0.62, "score": 0.41},
        {"offer_id": "no_action", "probability": 0.38, "score": 0.0},
    ],
    "policy": {"name": "vw", "model_version": 3},
}

EXAMPLES: Mapping[str, object] = {
    "DecisionBody": _CUSTOMER,
    "BatchBody": {"requests": [_CUSTOMER, {**_CUSTOMER, "customer_id": "c-1043"}]},
    "OutcomeBody": {"accepted": True},
    "RetentionBody": {"retained": True, "value": 900},
    "OfferBody": _OFFER,
    "OfferPatch": {"cost": 6, "caps": {"max_per_customer": 1, "window_days": 30}},
    "EvaluationBody": {
        "policies": ["random", "rules"],
        "estimators": ["ips", "snips", "dr"],
        "n_bootstrap": 200,
        "seed": 7,
    },
    "KeyBody": {"role": "crm", "name": "contact centre"},
    "ContactPolicyBody": {
        "limits": [
            {"max_offers": 3, "window_days": 30},
            {"max_offers": 1, "window_days": 7, "channel": "sms"},
        ],
        "decline_cooldown": {"offer_days": 30, "category_days": 7, "categories": {"discount": 14}},
        "quiet_hours": [
            {
                "channel": "outbound_call",
                "start": "20:00",
                "end": "09:00",
                "timezone": "Europe/Berlin",
            },
        ],
    },
    "SuppressionBody": {"customer_id": "c-1042", "reason": "asked not to be contacted"},
    "CampaignBody": {
        "input": "customers.parquet",
        "out": "assignments.parquet",
        "offers": ["discount_10", "device_upgrade"],
        "budget": {"discount_10": 1000},
        "spend": {"device_upgrade": 25000},
        "holdout": 0.05,
    },
    "WhatIfBody": {
        "offers": [
            {
                "id": "streaming_bundle",
                "name": "Streaming bundle, 3 months free",
                "category": "loyalty",
                "cost": 15,
                "value": 80,
                "response": {
                    "intercept": -2.0,
                    "weights": {"heavy_engaged": 2.2, "satisfaction_z": 0.3},
                    "save_rate": 0.4,
                    "revenue": 30,
                    "fit": {"price": 0.6, "service": 0.4, "disengaged": 0.7, "loyal": 0.7},
                },
            },
            {"id": "discount_25", "caps": {"budget_accepts": 150}},
        ],
        "remove": [],
        "steps": 10000,
        "seeds": 5,
    },
    "DecisionReply": _DECISION_REPLY,
    "BatchReply": {"decisions": [_DECISION_REPLY]},
    "RecordedOutcomeReply": {
        "decision_id": _DECISION_ID,
        "accepted": True,
        "value": None,
        "ts": _TS,
        "source": "reported",
        "reward": 1.0,
        "occurred_at": None,
        "offer_id": "discount_10",
        "reason": "discount_10 accepted: reward 1 (reward mode acceptance)",
        "repeated": False,
    },
    "ErrorReply": {
        "error": {
            "code": "invalid_input",
            "message": "churn_score: must be in [0, 1], got 1.5",
            "details": {"field": "churn_score"},
        }
    },
}
"""Example bodies by model name."""
