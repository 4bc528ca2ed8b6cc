"""Refused requests are counted by reason in /metrics and logged without the key."""

from __future__ import annotations

import logging
import re

import pytest

from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY

_SECRET = "nba_wrong0123456789abcdefghijklmnop"


def _failures(client, reason: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(rf'^nba_auth_failures_total{{reason="{reason}"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


@pytest.mark.parametrize(
    "header, reason",
    [(None, "missing"), ("Basic abc", "malformed"), ("Bearer ", "malformed"),
     (f"Bearer {_SECRET}", "invalid")],
)  # fmt: skip
def test_a_refused_request_is_counted_by_its_reason(client, header, reason):
    before = _failures(client, reason)
    headers = {"Authorization": header} if header is not None else {}
    assert client.get("/v1/offers", headers=headers).status_code == 401
    assert _failures(client, reason) == before + 1


def test_a_key_of_a_role_not_allowed_is_counted_as_wrong_role(client, headers):
    before = _failures(client, "wrong_role")
    assert client.get("/v1/models", headers=headers("crm")).status_code == 403
    assert _failures(client, "wrong_role") == before + 1


def test_a_refusal_is_logged_with_the_address_and_without_the_key(client, caplog):
    with caplog.at_level(logging.WARNING, logger="api.auth"):
        client.get("/v1/offers", headers={"Authorization": f"Bearer {_SECRET}"},
                   environ_base={"REMOTE_ADDR": "203.0.113.9"})  # fmt: skip
    [record] = [r for r in caplog.records if r.name == "api.auth"]
    assert record.levelno == logging.WARNING
    text = record.getMessage()
    assert "reason=invalid" in text and "remote_addr=203.0.113.9" in text
    assert _SECRET not in text and _SECRET[4:12] not in text and _SECRET[-8:] not in text
