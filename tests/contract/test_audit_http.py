"""HTTP contract of the audit log: every change with who, what, before and after; read only."""

from __future__ import annotations

import pytest

OFFER = {"id": "bonus", "name": "Bonus", "category": "data_bonus", "cost": 1.0}


def _entries(client, headers, query=""):
    reply = client.get(f"/v1/audit{query}", headers=headers("admin"))
    assert reply.status_code == 200
    return reply.json["entries"]


def _key_id(client, headers, role):
    """The id of the key `headers(role)` made (named "test <role>")."""
    headers(role)
    listed = client.get("/v1/keys", headers=headers("admin")).json["keys"]
    return next(k["id"] for k in listed if k["name"] == f"test {role}")


def test_offer_changes_are_audited_with_the_marketers_key_and_both_states(client, headers):
    marketer = headers("marketer")
    client.post("/v1/offers", json=OFFER, headers=marketer)
    client.patch("/v1/offers/bonus", json={"caps": {"budget_accepts": 5}}, headers=marketer)
    client.delete("/v1/offers/bonus", headers=marketer)
    entries = _entries(client, headers, "?entity=offer")
    mine = [e for e in entries if e["entity_id"] == "bonus"]
    assert [e["action"] for e in mine] == ["retire", "edit", "create"]
    retire, edit, create = mine
    key_id = _key_id(client, headers, "marketer")
    assert {e["actor"]["id"] for e in mine} == {key_id}
    assert {e["actor"]["role"] for e in mine} == {"marketer"}
    assert create["before"] is None and create["after"]["version"] == 1
    assert edit["before"]["caps"]["budget_accepts"] is None
    assert edit["after"]["caps"]["budget_accepts"] == 5
    assert retire["before"]["status"] == "active" and retire["after"]["status"] == "retired"


def test_a_refused_change_leaves_no_audit_entry(client, headers):
    marketer = headers("marketer")
    client.post("/v1/offers", json=OFFER, headers=marketer)
    assert client.post("/v1/offers", json=OFFER, headers=marketer).status_code == 409
    bad = client.patch("/v1/offers/bonus", json={"cost": -1}, headers=marketer)
    assert bad.status_code == 400
    mine = [e for e in _entries(client, headers, "?entity=offer") if e["entity_id"] == "bonus"]
    assert [e["action"] for e in mine] == ["create"]


def test_key_creation_and_revocation_are_audited_by_key_id(client, headers):
    admin = headers("admin")
    made = client.post("/v1/keys", json={"role": "crm"}, headers=admin).json
    client.delete(f"/v1/keys/{made['id']}", headers=admin)
    mine = [e for e in _entries(client, headers, "?entity=key") if e["entity_id"] == made["id"]]
    assert [e["action"] for e in mine] == ["revoke", "create"]
    assert mine[0]["before"]["is_revoked"] is False and mine[0]["after"]["is_revoked"] is True
    assert {e["actor"]["id"] for e in mine} == {_key_id(client, headers, "admin")}
    assert made["key"] not in str(mine)


def test_model_changes_are_audited(client, headers):
    admin = headers("admin")
    trained = client.post("/v1/models/train", headers=admin).json["version"]
    client.post(f"/v1/models/{trained}/pin", headers=admin)
    client.post(f"/v1/models/{trained}/unpin", headers=admin)
    client.post(f"/v1/models/{trained}/activate", headers=admin)
    client.post("/v1/apprentice/graduate", headers=admin)
    entries = _entries(client, headers, "?entity=model")
    mine = [e["action"] for e in entries if e["entity_id"] == str(trained)]
    assert mine == ["activate", "unpin", "pin", "train"]
    [graduation] = _entries(client, headers, "?entity=apprentice")
    assert graduation["action"] == "graduate" and graduation["after"]["graduated"] is True


def test_the_audit_log_filters_by_actor_and_time_and_pages_with_a_limit(client, headers):
    marketer = headers("marketer")
    for i in range(3):
        client.post("/v1/offers", json={**OFFER, "id": f"bonus{i}"}, headers=marketer)
    key_id = _key_id(client, headers, "marketer")
    by_marketer = _entries(client, headers, f"?actor={key_id}")
    assert [e["entity_id"] for e in by_marketer] == ["bonus2", "bonus1", "bonus0"]
    assert len(_entries(client, headers, f"?actor={key_id}&limit=2")) == 2
    newest = by_marketer[0]["ts"]
    later = _entries(client, headers, f"?actor={key_id}&from={newest.replace('+', '%2B')}")
    assert [e["entity_id"] for e in later] == ["bonus2"]
    earlier = _entries(client, headers, f"?actor={key_id}&to={newest.replace('+', '%2B')}")
    assert [e["entity_id"] for e in earlier] == ["bonus1", "bonus0"]


@pytest.mark.parametrize(
    "query, field",
    [("?limit=0", "limit"), ("?limit=x", "limit"), ("?entity=nope", "entity"),
     ("?from=yesterday", "from")],
)  # fmt: skip
def test_a_bad_audit_filter_is_400_naming_it(client, headers, query, field):
    reply = client.get(f"/v1/audit{query}", headers=headers("admin"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == field


def test_only_admins_read_the_audit_log(client, headers):
    for role in ("crm", "marketer", "analyst"):
        assert client.get("/v1/audit", headers=headers(role)).status_code == 403


def test_no_route_edits_or_deletes_an_audit_entry(app, client, headers):
    methods = {
        method
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/v1/audit")
        for method in rule.methods or ()
    }
    assert methods == {"GET", "HEAD", "OPTIONS"}
    client.post("/v1/offers", json=OFFER, headers=headers("marketer"))
    [entry] = _entries(client, headers, "?entity=offer&limit=1")
    for method in ("put", "patch", "delete", "post"):
        for path in ("/v1/audit", f"/v1/audit/{entry['id']}"):
            reply = getattr(client, method)(path, json={}, headers=headers("admin"))
            assert reply.status_code in (404, 405)
    assert _entries(client, headers, "?entity=offer&limit=1") == [entry]
