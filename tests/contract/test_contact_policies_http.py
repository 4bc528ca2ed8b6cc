"""HTTP contract of contact policies: the policy document and the suppression list, their
errors naming the field, their audit entries, and their effect on decisions and /metrics."""

from __future__ import annotations

import re

import pytest

POLICY = {
    "limits": [
        {"max_offers": 3, "window_days": 30},
        {"max_offers": 1, "window_days": 1, "channel": "sms"},
    ],
    "decline_cooldown": {"offer_days": 30, "category_days": 7, "categories": {"discount": 14}},
    "quiet_hours": [
        {"channel": "call", "start": "20:00", "end": "09:00", "timezone": "Europe/Berlin"}
    ],
}
DECISION = {"customer_id": "c1", "churn_score": 0.5, "context": {"tenure_months": 40}}

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For tests of validation and wording, which no database changes."""


@SQLITE_ONLY
def test_no_policy_is_an_empty_one(client, headers):
    reply = client.get("/v1/contact-policy", headers=headers("analyst"))
    assert reply.status_code == 200
    assert reply.json == {
        "limits": [],
        "decline_cooldown": {"offer_days": None, "category_days": None, "categories": {}},
        "quiet_hours": [],
    }


def test_a_policy_is_stored_returned_and_audited(client, headers):
    reply = client.put("/v1/contact-policy", json=POLICY, headers=headers("marketer"))
    assert reply.status_code == 200
    got = client.get("/v1/contact-policy", headers=headers("admin")).json
    assert got["limits"][1] == {"max_offers": 1, "window_days": 1.0, "channel": "sms"}
    assert got["quiet_hours"] == [{**POLICY["quiet_hours"][0], "timezone_field": None}]
    assert got["decline_cooldown"]["categories"] == {"discount": 14.0}
    audit = client.get("/v1/audit?entity=contact_policy", headers=headers("admin")).json
    (entry,) = audit["entries"]
    assert entry["action"] == "edit" and entry["before"] is None
    assert entry["after"]["limits"][0]["max_offers"] == 3


@pytest.mark.parametrize(
    "change, field",
    [
        ({"limits": [{"max_offers": 1, "window_days": 0}]}, "limits.0.window_days"),
        ({"limits": [{"max_offers": -1, "window_days": 1}]}, "limits.0.max_offers"),
        ({"quiet_hours": [{"start": "21:00", "end": "8:00"}]}, "quiet_hours.0.end"),
        ({"quiet_hours": [{"start": "25:00", "end": "08:00"}]}, "quiet_hours.0.start"),
        ({"quiet_hours": [{"start": "21:00", "end": "08:00", "timezone": "Mars/Olympus"}]},
         "quiet_hours.0.timezone"),
        ({"quiet_hours": [{"start": "21:00", "end": "21:00"}]}, "quiet_hours.0"),
        ({"decline_cooldown": {"categories": {"discounts": 3}}},
         "decline_cooldown.categories.discounts"),
        ({"limit": []}, "limit"),
    ],
)  # fmt: skip
@SQLITE_ONLY
def test_a_bad_policy_is_a_400_naming_the_field_and_changes_nothing(client, headers, change, field):
    reply = client.put("/v1/contact-policy", json=change, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"].startswith(field)
    assert client.get("/v1/contact-policy", headers=headers("marketer")).json["limits"] == []


@SQLITE_ONLY
def test_only_marketers_and_admins_change_contact_policies(client, headers):
    for role in ("crm", "analyst"):
        assert client.put("/v1/contact-policy", json={}, headers=headers(role)).status_code == 403
        body = {"customer_id": "c1"}
        assert client.post("/v1/suppressions", json=body, headers=headers(role)).status_code == 403


def test_a_suppression_is_added_read_listed_and_removed_with_audit(client, headers):
    marketer = headers("marketer")
    body = {"customer_id": "c1", "reason": "asked not to be called"}
    added = client.post("/v1/suppressions", json=body, headers=marketer)
    assert added.status_code == 201 and added.json["reason"] == "asked not to be called"
    client.post("/v1/suppressions", json={"customer_id": "c2"}, headers=marketer)
    assert client.get("/v1/suppressions/c1", headers=marketer).json["customer_id"] == "c1"
    page = client.get("/v1/suppressions?limit=1", headers=marketer).json
    assert [s["customer_id"] for s in page["suppressions"]] == ["c1"]
    assert page["total"] == 2 and page["next_after"] == "c1"
    rest = client.get("/v1/suppressions?after=c1", headers=marketer).json
    assert [s["customer_id"] for s in rest["suppressions"]] == ["c2"]
    assert rest["next_after"] is None
    assert client.delete("/v1/suppressions/c1", headers=marketer).status_code == 200
    assert client.get("/v1/suppressions/c1", headers=marketer).status_code == 404
    assert client.delete("/v1/suppressions/c1", headers=marketer).status_code == 404
    audit = client.get("/v1/audit?entity=suppression", headers=headers("admin")).json
    assert [e["action"] for e in audit["entries"]] == ["remove", "add", "add"]


@pytest.mark.parametrize(
    "body, field",
    [({"customer_id": ""}, "customer_id"), ({"customer_id": "c1", "expires_at": "soon"},
                                             "expires_at"), ({}, "customer_id")],
)  # fmt: skip
@SQLITE_ONLY
def test_a_bad_suppression_is_a_400_naming_the_field(client, headers, body, field):
    reply = client.post("/v1/suppressions", json=body, headers=headers("admin"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == field


def _refusals(client, rule: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(rf'^nba_contact_policy_refusals_total{{rule="{rule}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else -1.0


def test_a_suppressed_customers_decision_records_why_and_is_counted(client, headers):
    assert _refusals(client, "suppressed") == 0
    client.post("/v1/suppressions", json={"customer_id": "c1"}, headers=headers("marketer"))
    reply = client.post("/v1/decisions", json=DECISION, headers=headers("crm"))
    assert reply.status_code == 200 and reply.json["offer_id"] == "no_action"
    logged = client.get(f"/v1/decisions/{reply.json['decision_id']}", headers=headers("crm")).json
    assert {e["reason"] for e in logged["excluded"]} == {"suppressed: on the suppression list"}
    batch = client.post("/v1/decisions/batch", json={"requests": [DECISION, {**DECISION,
                        "customer_id": "c2"}]}, headers=headers("crm"))  # fmt: skip
    assert batch.json["decisions"][0]["offer_id"] == "no_action"
    assert _refusals(client, "suppressed") == 2
    assert _refusals(client, "contact_limit") == 0


def test_a_window_limit_set_over_http_applies_to_the_next_decision(client, headers):
    limit = {"limits": [{"max_offers": 1, "window_days": 30}]}
    client.put("/v1/contact-policy", json=limit, headers=headers("admin"))
    crm = headers("crm")
    chosen = [client.post("/v1/decisions", json=DECISION, headers=crm).json["offer_id"]
              for _ in range(8)]  # fmt: skip
    assert sum(offer != "no_action" for offer in chosen) == 1
    assert _refusals(client, "contact_limit") >= 1
