"""Off-policy evaluation jobs over HTTP: start, poll, results with intervals; bad specs."""

from __future__ import annotations

import time

import pytest

from nba.domain import FeedbackKind, FeedbackReport
from nba.serving.inputs import DecisionRequest


def _fill_log(runtime, n: int = 300) -> None:
    for i in range(n):
        request = DecisionRequest(f"c{i}", (i % 10) / 10, (("tenure_months", i % 40),))
        d = runtime.decider.decide(request).decision
        runtime.feedback.record(
            FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, d.chosen == "device_upgrade")
        )


def _wait(client, headers, job_id: str, timeout_s: float = 90) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/v1/evaluations/{job_id}", headers=headers("analyst")).json
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("evaluation did not finish")


def test_evaluation_job_runs_in_the_background_and_stores_results(client, headers, runtime):
    _fill_log(runtime)
    runtime.trainer.run(force=True)
    body = {"policies": ["random", "rules", "version:1"], "estimators": ["ips", "snips", "dr"],
            "n_bootstrap": 50, "seed": 3}  # fmt: skip
    reply = client.post("/v1/evaluations", json=body, headers=headers("analyst"))
    assert reply.status_code == 202
    assert reply.json["status"] in ("pending", "running", "done")
    job = _wait(client, headers, reply.json["id"])
    assert job["status"] == "done", job["error"]
    results = job["results"]
    assert results["n_rows"] == 300
    names = [c["name"] for c in results["candidates"]]
    assert names == ["random", "rules", "version:1"]
    for candidate in results["candidates"]:
        for estimate in candidate["estimates"]:
            assert estimate["ci_low"] <= estimate["value"] <= estimate["ci_high"]


def test_evaluation_without_outcomes_fails_with_a_reason(client, headers):
    reply = client.post("/v1/evaluations", json={"policies": ["random"], "n_bootstrap": 0},
                        headers=headers("analyst"))  # fmt: skip
    job = _wait(client, headers, reply.json["id"])
    assert job["status"] == "failed" and "outcome" in job["error"]


def test_evaluation_of_one_outcome_fails_saying_how_many_are_needed(client, headers, runtime):
    d = runtime.decider.decide(DecisionRequest("c1", 0.5)).decision
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, d.id, True))
    reply = client.post("/v1/evaluations", json={"policies": ["random"], "n_bootstrap": 0},
                        headers=headers("analyst"))  # fmt: skip
    job = _wait(client, headers, reply.json["id"])
    assert job["status"] == "failed"
    assert "n_folds" not in job["error"]
    assert job["error"].startswith("log: 1 decision with an outcome; ")
    assert "need at least 5" in job["error"] and "Collect at least 4 more outcomes" in job["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "policies"),
        ({"policies": []}, "policies"),
        ({"policies": ["table:/etc/passwd"]}, "policies.0"),
        ({"policies": ["random"], "estimators": ["magic"]}, "estimators"),
        ({"policies": ["random"], "alpha": 2}, "alpha"),
        ({"policies": ["random"], "n_bootstrap": -1}, "n_bootstrap"),
        ({"policies": ["random"], "from": "soon"}, "from"),
        # found by benchmarks/fuzz.py: both were accepted (202), then failed the job
        ({"policies": ["random"], "seed": -1}, "seed"),
        ({"policies": ["random"], "to": "9999-12-31T23:00:00-05:00"}, "to"),
    ],
)
def test_bad_evaluation_spec_is_400_naming_the_field(client, headers, body, field):
    reply = client.post("/v1/evaluations", json=body, headers=headers("analyst"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"].replace("[", ".").rstrip("]") == field


def test_unknown_evaluation_is_404(client, headers):
    assert client.get("/v1/evaluations/nope", headers=headers("analyst")).status_code == 404


@pytest.mark.parametrize("version", ["¹", "٣", "99999999999"])
def test_a_version_that_is_no_stored_number_fails_the_job_naming_policies(
    client, headers, runtime, version
):
    """Found by benchmarks/fuzz.py: `version:¹` passed `isdigit` and crashed on `int`."""
    _fill_log(runtime, 20)
    reply = client.post("/v1/evaluations", json={"policies": [f"version:{version}"],
                        "n_bootstrap": 0}, headers=headers("analyst"))  # fmt: skip
    job = _wait(client, headers, reply.json["id"])
    assert job["status"] == "failed"
    assert job["error"].startswith("policies: ") and "version number" in job["error"]
