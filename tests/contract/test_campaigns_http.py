"""Campaigns over HTTP: a background job with status, its report; files stay in their folder."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

N = 400


@pytest.fixture
def customers(settings) -> str:
    """A customers file in the server's campaign folder; its name relative to the folder."""
    folder = settings.database.data_dir / "campaigns"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(2)
    pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(N)],
            "churn_score": rng.random(N),
            "tenure_months": rng.integers(1, 60, N),
            "plan": rng.choice(["basic", "premium"], N),
        }
    ).to_parquet(folder / "customers.parquet")
    return "customers.parquet"


def _wait(client, headers, campaign_id: str, timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reply = client.get(f"/v1/campaigns/{campaign_id}", headers=headers("analyst"))
        if reply.json["status"] in ("done", "failed"):
            return reply.json
        time.sleep(0.1)
    raise AssertionError("the campaign did not finish")


def test_a_campaign_runs_in_the_background_and_reports_its_budgets(client, headers, customers):
    body = {"input": customers, "out": "out/assignments.parquet",
            "offers": ["discount_10", "device_upgrade", "loyalty"],
            "budget": {"discount_10": 5}, "spend": {"device_upgrade": 400}, "holdout": 0.1,
            "seed": 5}  # fmt: skip
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 202, reply.json
    assert reply.json["status"] in ("pending", "running", "done")
    campaign = _wait(client, headers, reply.json["id"])
    assert campaign["status"] == "done", campaign["error"]
    assert campaign["summary"]["assigned"] == N
    report = campaign["report"]
    offers = {o["offer_id"]: o for o in report["offers"]}
    assert offers["discount_10"]["cap_accepts"] == 5
    assert offers["device_upgrade"]["cap_accepts"] == 10  # 400 money / 40 per accept
    assert report["arms"]["holdout"]["customers"] + report["arms"]["treated"]["customers"] == N
    assert report["effect"]["retention_rate"]["difference"] is None  # no answers yet


@pytest.mark.parametrize(
    "change, field",
    [
        ({"input": "../customers.parquet"}, "input"),
        ({"input": "customers.txt"}, "input"),
        ({"out": "/tmp/anywhere.parquet"}, "out"),
        ({"holdout": 1.0}, "holdout"),
        ({"offers": []}, "offers"),
        ({"offers": ["loyalty", "loyalty"]}, "offers"),
    ],
)
def test_a_bad_campaign_is_400_naming_the_field(client, headers, customers, change, field):
    body = {"input": customers, "out": "a.parquet", "offers": ["discount_10"], **change}
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    "change", [{"input": "missing.parquet"}, {"budget": {"premium": 3}}, {"offers": ["nope"]}]
)
def test_a_missing_file_or_offer_is_404(client, headers, customers, change):
    body = {"input": customers, "out": "a.parquet", "offers": ["discount_10"], **change}
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 404, reply.json


def test_an_unknown_campaign_is_404(client, headers):
    reply = client.get("/v1/campaigns/nope", headers=headers("marketer"))
    assert reply.status_code == 404


def test_a_campaign_on_a_channel_in_quiet_hours_at_its_send_time_is_400(client, headers, customers):
    policy = {"quiet_hours": [{"channel": "sms", "start": "21:00", "end": "08:00",
                               "timezone": "Europe/Berlin"}]}  # fmt: skip
    reply = client.put("/v1/contact-policy", json=policy, headers=headers("marketer"))
    assert reply.status_code == 200, reply.json
    body = {"input": customers, "out": "a.parquet", "offers": ["discount_10"], "channel": "sms",
            "send_at": "2026-01-15T22:00:00Z"}  # fmt: skip
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == "send_at"
    assert (
        "sms is quiet 21:00-08:00 Europe/Berlin (it is 23:00 there)"
        in (reply.json["error"]["message"])
    )
    body["send_at"] = "2026-01-15T10:00:00Z"
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 202, reply.json
    campaign = _wait(client, headers, reply.json["id"])
    assert campaign["status"] == "done", campaign["error"]
    assert campaign["spec"]["send_at"] == "2026-01-15T10:00:00+00:00"
    assert set(campaign["report"]["contact_rules"]) == {
        "suppressed", "quiet_hours", "contact_limit", "cooldown"
    }  # fmt: skip


def test_a_send_time_that_is_no_time_is_400_naming_it(client, headers, customers):
    body = {"input": customers, "out": "a.parquet", "offers": ["discount_10"], "send_at": "soon"}
    reply = client.post("/v1/campaigns", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == "send_at"
