"""`nba audit` and `nba keys` with expiry and revocation, on a temporary SQLite database."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from nba.cli import main
from nba.clock import utc_now


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def _key_id(created) -> str:
    return created.stderr.split(" key ")[1].split()[0].rstrip(";")


def test_keys_create_with_an_expiry_lists_it(nba):
    created = nba("keys", "create", "--role", "crm", "--name", "web", "--expires-in-days", "7")
    [line] = nba("keys", "list").stdout.splitlines()
    key_id, role, state, name, expires = line.split("\t")
    assert (key_id, role, state, name) == (_key_id(created), "crm", "active", "web")
    remaining = datetime.fromisoformat(expires) - utc_now()
    assert timedelta(days=6, hours=23) < remaining <= timedelta(days=7)


def test_keys_create_refuses_an_expiry_of_zero_days(nba):
    assert nba("keys", "create", "--role", "crm", "--expires-in-days", "0", ok=False).exit_code == 2


def test_keys_revoke_an_unknown_key_exits_not_found(nba):
    assert nba("keys", "revoke", "nope", ok=False).exit_code == 3


def test_audit_shows_cli_changes_newest_first(nba):
    key_id = _key_id(nba("keys", "create", "--role", "analyst"))
    nba("keys", "revoke", key_id)
    nba("offers", "add", "--id", "disc", "--name", "Discount", "--category", "discount")
    nba("offers", "pause", "disc")
    lines = [line.split("\t") for line in nba("audit", "--actor", "cli").stdout.splitlines()]
    assert [(f[3], f[4], f[5]) for f in lines] == [
        ("offer", "disc", "pause"),
        ("offer", "disc", "create"),
        ("key", key_id, "revoke"),
        ("key", key_id, "create"),
    ]
    assert {(f[1], f[2]) for f in lines} == {("cli", "cli")}
    assert json.loads(lines[0][6])["status"] == "paused"


def test_audit_filters_by_entity_and_limit(nba):
    nba("keys", "create", "--role", "crm")
    nba("offers", "add", "--id", "disc", "--name", "Discount", "--category", "discount")
    nba("offers", "pause", "disc")
    [line] = nba("audit", "--entity", "offer", "--limit", "1").stdout.splitlines()
    assert line.split("\t")[5] == "pause"
    keys = nba("audit", "--entity", "key").stdout.splitlines()
    assert [line.split("\t")[5] for line in keys] == ["create"]


def test_audit_of_a_bad_time_names_the_option(nba):
    result = nba("audit", "--from", "yesterday", ok=False)
    assert result.exit_code == 1 and "from" in result.output
