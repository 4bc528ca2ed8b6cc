"""`nba offers`: a retired offer is retired for good; the built-in `no_action` stays as it is."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from nba.cli import main


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])

    return run


def test_a_retired_offer_cannot_be_resumed_or_paused_from_the_cli(nba):
    nba("offers", "add", "--id", "disc", "--name", "Discount", "--category", "discount")
    assert nba("offers", "retire", "disc").exit_code == 0
    for command in ("resume", "pause"):
        result = nba("offers", command, "disc")
        assert result.exit_code != 0
        assert "retired for good" in result.stderr
    assert nba("offers", "edit", "disc", "--set", "status=active").exit_code != 0
    assert "disc\tv2\tretired" in nba("offers", "list").stdout


def test_no_action_cannot_be_retired_or_edited_from_the_cli(nba):
    for args in (("retire",), ("pause",), ("edit", "--set", "cost=3")):
        result = nba("offers", args[0], "no_action", *args[1:])
        assert result.exit_code != 0
        assert "no_action_enabled" in result.stderr
    assert "no_action\tv1\tactive" in nba("offers", "list").stdout
