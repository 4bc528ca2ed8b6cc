"""HTTP contract of API keys: list (never secrets), create with an expiry, revoke; 401s."""

from __future__ import annotations

from datetime import timedelta

from nba.clock import utc_now
from nba.storage import keys


def test_listing_keys_never_shows_a_secret(client, headers):
    made = client.post("/v1/keys", json={"role": "crm", "name": "crm"}, headers=headers("admin"))
    reply = client.get("/v1/keys", headers=headers("admin"))
    assert reply.status_code == 200
    listed = {k["id"]: k for k in reply.json["keys"]}
    assert listed[made.json["id"]]["role"] == "crm" and not listed[made.json["id"]]["is_revoked"]
    assert made.json["key"] not in reply.get_data(as_text=True)
    assert all("key" not in k and "key_hash" not in k for k in listed.values())


def test_a_revoked_key_is_401_and_listed_as_revoked(client, headers):
    made = client.post("/v1/keys", json={"role": "crm"}, headers=headers("admin")).json
    crm = {"Authorization": f"Bearer {made['key']}"}
    assert client.get("/v1/offers", headers=crm).status_code == 200
    reply = client.delete(f"/v1/keys/{made['id']}", headers=headers("admin"))
    assert reply.status_code == 200 and reply.json["is_revoked"]
    assert client.get("/v1/offers", headers=crm).status_code == 401
    listed = client.get("/v1/keys", headers=headers("admin")).json["keys"]
    assert next(k for k in listed if k["id"] == made["id"])["is_revoked"]


def test_revoking_an_unknown_key_is_404(client, headers):
    assert client.delete("/v1/keys/nope", headers=headers("admin")).status_code == 404


def test_only_admins_list_and_revoke_keys(client, headers):
    for role in ("crm", "marketer", "analyst"):
        assert client.get("/v1/keys", headers=headers(role)).status_code == 403
        assert client.delete("/v1/keys/x", headers=headers(role)).status_code == 403


def test_a_key_created_with_an_expiry_shows_it(client, headers):
    when = (utc_now() + timedelta(days=30)).replace(microsecond=0)
    body = {"role": "analyst", "expires_at": when.isoformat()}
    reply = client.post("/v1/keys", json=body, headers=headers("admin"))
    assert reply.status_code == 201 and reply.json["expires_at"] == when.isoformat()
    analyst = {"Authorization": f"Bearer {reply.json['key']}"}
    assert client.get("/v1/offers", headers=analyst).status_code == 200


def test_an_expiry_in_the_past_is_400_naming_the_field(client, headers):
    body = {"role": "crm", "expires_at": "2020-01-01T00:00:00Z"}
    reply = client.post("/v1/keys", json=body, headers=headers("admin"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == "expires_at"


def test_an_expired_key_is_401_saying_it_expired(client, runtime):
    with runtime.database.session() as session:
        _, secret = keys.add_api_key(session, "crm", expires_at=utc_now() - timedelta(seconds=1))
    reply = client.get("/v1/offers", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 401
    assert "expired" in reply.json["error"]["message"]
