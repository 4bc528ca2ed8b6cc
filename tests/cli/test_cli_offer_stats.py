"""`nba offers stats ID`: the figures of GET /v1/offers/{id}/stats, as a table or as its JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from nba.cli import main
from nba.domain import FeedbackKind, FeedbackReport
from nba.serving.inputs import DecisionRequest


def _traffic(runtime) -> None:
    """Decisions between device_upgrade and no_action; every third accepted, 3 unanswered."""
    for i in range(30):
        request = DecisionRequest(f"c{i}", (i % 10) / 10, offer_ids=("device_upgrade",))
        d = runtime.decider.decide(request).decision
        if i < 27:
            runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, i % 3 == 0))


def _stats(runtime, *args: str):
    url = runtime.settings.database.resolved_url
    return CliRunner().invoke(main, ["offers", "stats", *args, "--database-url", url])


def test_stats_json_is_the_http_reply(runtime, client, headers):
    _traffic(runtime)
    result = _stats(runtime, "device_upgrade", "--json")
    assert result.exit_code == 0, result.output
    reply = client.get("/v1/offers/device_upgrade/stats", headers=headers("analyst"))
    assert json.loads(result.stdout) == reply.json
    assert reply.json["overall"]["shows"] > 10


def test_stats_table_shows_overall_bands_and_days_with_intervals(runtime, client, headers):
    _traffic(runtime)
    result = _stats(runtime, "device_upgrade")
    assert result.exit_code == 0, result.output
    reply = client.get("/v1/offers/device_upgrade/stats", headers=headers("analyst")).json
    lines = result.stdout.splitlines()
    assert lines[0] == "offer device_upgrade, decisions from the first decision to now"
    assert lines[1].split() == ["shows", "answered", "accepts", "rate", "95%", "interval"]
    overall = reply["overall"]
    assert lines[2].split() == [
        "overall", str(overall["shows"]), str(overall["answered"]), str(overall["accepts"]),
        f"{overall['rate']:.3f}",
        f"[{overall['ci_low']:.3f},", f"{overall['ci_high']:.3f}]",
    ]  # fmt: skip
    assert [line.split()[1] for line in lines[3:6]] == ["low", "medium", "high"]
    (day,) = reply["by_day"]
    assert lines[6].startswith(day)
    assert "Wilson" in result.stderr


def test_stats_window_and_unknown_offer(runtime):
    _traffic(runtime)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    result = _stats(runtime, "device_upgrade", "--from", later, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overall"] == {
        "shows": 0, "answered": 0, "accepts": 0, "rate": None, "ci_low": None, "ci_high": None,
    }  # fmt: skip
    assert _stats(runtime, "nope").exit_code == 3
