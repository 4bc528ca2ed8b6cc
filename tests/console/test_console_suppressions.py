"""The Suppressions page and the offer form's expression, through Flask's test client."""

from __future__ import annotations

import io
import re

import pytest

from nba.runtime import Runtime
from tests.console.conftest import csrf_token

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For tests of validation and wording, which no database changes."""


def _text(reply) -> str:
    return reply.get_data(as_text=True).replace("&#39;", "'")


def _post(client, path: str, data: dict, page: str = "/ui/suppressions", **kwargs):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}, **kwargs)


def test_a_marketer_suppresses_imports_and_removes_customers(console_client, runtime: Runtime):
    client = console_client("marketer")
    added = _post(client, "/ui/suppressions", {"customer_id": "c1", "reason": "complaint"})
    assert added.status_code == 302
    upload = {"file": (io.BytesIO(b"customer_id,reason\nc2,moved away\nc3,\n"), "list.csv")}
    imported = _post(client, "/ui/suppressions/import", upload,
                     content_type="multipart/form-data")  # fmt: skip
    assert imported.status_code == 302
    page = _text(client.get("/ui/suppressions"))
    assert "Imported list.csv: 2 added, 0 replaced." in page
    assert re.findall(r"<tr><td>(c\d)</td>", page) == ["c1", "c2", "c3"]
    assert "3 customers on the list" in page
    removed = _post(client, "/ui/suppressions/c2/remove", {})
    assert removed.status_code == 302
    assert [e.customer_id for e in runtime.contacts.suppressions()[0]] == ["c1", "c3"]


@SQLITE_ONLY
def test_a_bad_row_imports_nothing_and_says_which_line(console_client, runtime: Runtime):
    client = console_client("marketer")
    upload = {"file": (io.BytesIO(b"customer_id,expires_at\nc1,\nc2,never\n"), "bad.csv")}
    reply = _post(client, "/ui/suppressions/import", upload, content_type="multipart/form-data")
    assert reply.status_code == 400
    assert 'id="file-error">Nothing imported: line 3.expires_at:' in _text(reply)
    assert runtime.contacts.suppressions()[0] == []


@SQLITE_ONLY
def test_a_blank_customer_id_is_refused_next_to_its_field(console_client):
    reply = _post(console_client("marketer"), "/ui/suppressions", {"customer_id": " "})
    assert reply.status_code == 400
    assert 'id="customer_id-error">customer_id: ' in _text(reply)


@SQLITE_ONLY
def test_the_page_shows_the_contact_policy_in_force(console_client, runtime: Runtime):
    runtime.contacts.set_policy(
        {"limits": [{"max_offers": 2, "window_days": 7, "channel": "sms"}],
         "quiet_hours": [{"start": "21:00", "end": "08:00", "timezone": "Europe/Berlin"}]}
    )  # fmt: skip
    page = _text(console_client("marketer").get("/ui/suppressions"))
    assert "At most 2 offers per customer in 7 days on sms." in page
    assert "Quiet hours 21:00 to 08:00 (Europe/Berlin) on every channel." in page


@SQLITE_ONLY
def test_analysts_cannot_open_the_page(console_client):
    assert console_client("analyst").get("/ui/suppressions").status_code == 403


@SQLITE_ONLY
def test_the_offer_form_shows_a_bad_expression_next_to_its_field(console_client, runtime):
    client = console_client("marketer")
    form = {"id": "gold", "name": "Gold", "category": "loyalty", "cost": "1",
            "expression": "plan in ['gold'"}  # fmt: skip
    reply = _post(client, "/ui/new-offer", form, page="/ui/new-offer")
    assert reply.status_code == 400
    assert 'id="expression-error">Expression: at line 1, column 16: ends too early' in _text(reply)
    form["expression"] = "plan in ['gold']"
    assert _post(client, "/ui/new-offer", form, page="/ui/new-offer").status_code == 302
    assert runtime.catalog.get("gold").eligibility.expression == "plan in ['gold']"
    edit_page = _text(client.get("/ui/offers/gold/edit"))
    assert "value=\"plan in ['gold']\"" in edit_page
    assert "<code>plan in ['gold']</code>" in _text(client.get("/ui/offers/gold"))
