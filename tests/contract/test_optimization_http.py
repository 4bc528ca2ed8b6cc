"""POST /v1/models/optimization runs a comparison; GET lists them newest first (admin only)."""

from __future__ import annotations

import numpy as np
import pytest

from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.serving.inputs import DecisionRequest


@pytest.fixture
def settings(db_url, tmp_path):
    return Settings(
        database_url=db_url, data_dir=tmp_path, seed=7, save_interval_s=3600,
        auto_optimize_holdout=100, auto_optimize_min_ess=20,
        auto_optimize_challengers={"uniform": {"policy": "random"}},
    )  # fmt: skip


def _log(runtime, n: int) -> None:
    rng = np.random.default_rng(3)
    for i in range(n):
        d = runtime.decider.decide(DecisionRequest(f"c{i}", float(rng.random()))).decision
        accepted = bool(rng.random() < (0.4 if d.chosen == "discount_10" else 0.05))
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, accepted))
    runtime.save_model()


def test_a_comparison_run_over_http_is_listed_newest_first(client, headers, runtime):
    _log(runtime, 150)
    first = client.post("/v1/models/optimization", headers=headers("admin"))
    second = client.post("/v1/models/optimization", headers=headers("admin"))
    assert first.status_code == second.status_code == 200
    (challenger,) = first.json["challengers"]
    assert challenger["name"] == "uniform" and first.json["rows"] == 100
    assert {"lift", "lift_ci_low", "lift_ci_high"} <= set(challenger["snips"])
    listed = client.get("/v1/models/optimization", headers=headers("admin"))
    assert [o["id"] for o in listed.json["optimizations"]] == [second.json["id"], first.json["id"]]


def test_too_few_decisions_is_a_stored_comparison_with_a_note(client, headers):
    reply = client.post("/v1/models/optimization", headers=headers("admin"))
    assert reply.status_code == 200 and reply.json["promoted"] is None
    assert reply.json["note"]


def test_the_optimization_history_is_for_admins_only(client, headers):
    assert client.get("/v1/models/optimization", headers=headers("analyst")).status_code == 403
    assert client.post("/v1/models/optimization", headers=headers("crm")).status_code == 403
