"""`nba suppression import|add|list|remove` and `nba contact-policy show|set`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nba.cli import main


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])

    return run


def _listed(nba) -> list[list[str]]:
    result = nba("suppression", "list")
    assert result.exit_code == 0, result.output
    return [line.split("\t") for line in result.stdout.splitlines()]


def test_a_csv_file_is_imported_listed_and_a_customer_removed(nba, tmp_path):
    path = tmp_path / "do_not_contact.csv"
    path.write_text(
        "customer_id,reason,expires_at\n"
        "c1,asked by phone,\n"
        "c2,,2027-01-01T00:00:00Z\n"
        "c1,asked again,\n"
    )
    result = nba("suppression", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2 added, 0 replaced"
    rows = _listed(nba)
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("c1", "cli", "", "asked again"),
        ("c2", "cli", "2027-01-01T00:00:00+00:00", ""),
    ]
    assert nba("suppression", "import", str(path)).stdout.strip() == "0 added, 2 replaced"
    assert nba("suppression", "remove", "c1").exit_code == 0
    assert [r[0] for r in _listed(nba)] == ["c2"]
    assert nba("suppression", "remove", "c1").exit_code == 3


@pytest.mark.parametrize(
    "text, where",
    [
        ("customer_id,reason\nc1,ok\n,no id\n", "line 3.customer_id"),
        ("customer_id,expires_at\nc1,tomorrow\n", "line 2.expires_at"),
        ("customer_id\nc1\nc2,extra\n", "line 3"),
        ("customer,reason\nc1,ok\n", "customer_id"),
        ("customer_id,why\nc1,ok\n", "why"),
    ],
)
def test_a_bad_row_stops_the_import_naming_its_line_and_nothing_is_written(nba, tmp_path, text,
                                                                           where):  # fmt: skip
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = nba("suppression", "import", str(path))
    assert result.exit_code == 1
    assert f"Error: {where}" in result.output
    assert _listed(nba) == []


def test_one_customer_is_added_with_a_reason_and_audited(nba):
    assert nba("suppression", "add", "c9", "--reason", "complaint").exit_code == 0
    assert _listed(nba)[0][::4] == ["c9", "complaint"]
    audit = nba("audit", "--entity", "suppression").stdout.splitlines()
    assert [line.split("\t")[5] for line in audit] == ["add"]


def test_the_contact_policy_is_set_from_a_file_and_shown(nba, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(
        "limits:\n  - {max_offers: 2, window_days: 7}\n"
        "quiet_hours:\n  - {channel: call, start: '21:00', end: '08:00', timezone: Europe/Paris}\n"
    )
    assert nba("contact-policy", "set", str(path)).exit_code == 0
    shown = json.loads(nba("contact-policy", "show").stdout)
    assert shown["limits"] == [{"max_offers": 2, "window_days": 7.0, "channel": None}]
    assert shown["quiet_hours"][0]["timezone"] == "Europe/Paris"
    path.write_text("quiet_hours:\n  - {start: '21:00', end: '08:00', timezone: Nowhere}\n")
    result = nba("contact-policy", "set", str(path))
    assert result.exit_code == 1 and "quiet_hours.0.timezone" in result.output
