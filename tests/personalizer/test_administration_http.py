"""The administration paths over HTTP: configurations, model, logs, evaluations (both shapes)."""

from __future__ import annotations

import pytest

from tests.personalizer.conftest import rank_body
from tests.waiting import wait_until

V1 = "/personalizer/v1.0"
SERVICE = "/personalizer/configurations/service?api-version=2022-09-01-preview"


@pytest.mark.parametrize(
    "change, code, target",
    [
        ({"rewardWaitTime": "PT1S"}, "InvalidServiceConfiguration", "rewardWaitTime"),
        ({"rewardWaitTime": "P3D"}, "InvalidServiceConfiguration", "rewardWaitTime"),
        ({"rewardWaitTime": "ten minutes"}, "InvalidServiceConfiguration", "rewardWaitTime"),
        ({"defaultReward": 2}, "InvalidServiceConfiguration", "defaultReward"),
        ({"rewardAggregation": "average"}, "InvalidServiceConfiguration", "rewardAggregation"),
        ({"explorationPercentage": 1.5}, "InvalidServiceConfiguration", "explorationPercentage"),
        ({"modelExportFrequency": "PT0S"}, "InvalidServiceConfiguration", "modelExportFrequency"),
        ({"logRetentionDays": 0}, "InvalidLogRetentionDays", "logRetentionDays"),
        ({"learningMode": "Offline"}, "InvalidLearningModeServiceConfiguration", "learningMode"),
    ],
)  # fmt: skip
def test_invalid_service_settings_get_personalizers_codes_and_change_nothing(
    http, key, change, code, target
):
    headers = key()
    before = http.get(SERVICE, headers=headers).json
    reply = http.put(SERVICE, json={**before, **change}, headers=headers)
    assert reply.status_code == 400
    assert (reply.json["error"]["code"], reply.json["error"]["target"]) == (code, target)
    assert http.get(SERVICE, headers=headers).json == before


def test_service_settings_round_trip_in_iso_8601(http, key):
    headers = key()
    change = {"rewardWaitTime": "PT2H30M", "modelExportFrequency": "00:01:00",
              "explorationPercentage": 0.05, "rewardAggregation": "Sum", "logRetentionDays": -1,
              "isAutoOptimizationEnabled": True}  # fmt: skip
    stored = http.put(SERVICE, json=change, headers=headers).json
    assert stored["rewardWaitTime"] == "PT2H30M" and stored["modelExportFrequency"] == "PT1M"
    assert (stored["rewardAggregation"], stored["logRetentionDays"]) == ("sum", -1)
    assert stored["isAutoOptimizationEnabled"] is False  # nba has no auto-optimization
    assert stored["isAutoOptimizationRequested"] is True
    assert http.get(f"{V1}/configurations/service", headers=headers).json == stored


def test_learning_settings_are_checked_against_the_safe_set(http, key):
    headers = key()
    path = f"{V1}/configurations/policy"
    assert http.get(path, headers=headers).json["name"] == "nba-default"
    good = {"name": "bagged", "arguments": "--cb_explore_adf --bag 3 -l 0.1 -q ::"}
    assert http.put(path, json=good, headers=headers).json == good
    for arguments in ("--bag 3", "--cb_explore_adf --cb_type dr", "--cb_explore_adf -b 40",
                      "--cb_explore_adf --data /etc/passwd"):  # fmt: skip
        reply = http.put(path, json={"name": "x", "arguments": arguments}, headers=headers)
        assert reply.status_code == 400, arguments
        assert reply.json["error"]["code"] == "InvalidPolicyConfiguration"
    assert http.delete(path, headers=headers).json["name"] == "nba-default"


def test_a_model_round_trips_and_garbage_is_refused(http, key):
    source, target = key(), key("other-" + next(iter(key().values()))[-8:])
    model = http.get(f"{V1}/model", headers=source)
    assert model.status_code == 200 and model.mimetype == "application/octet-stream"
    put = http.put(f"{V1}/model", data=model.data, headers=target)
    assert put.status_code == 204
    assert http.get(f"{V1}/model/properties", headers=target).json["lastModifiedTime"]
    bad = http.put(f"{V1}/model", data=b"not a model", headers=target)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "InvalidModelImportFormat"
    assert http.delete(f"{V1}/model", headers=target).status_code == 204


def test_logs_can_be_measured_and_deleted(http, key):
    headers = key()
    empty = http.get(f"{V1}/logs/properties", headers=headers).json
    assert empty == {"dateRange": {"from": None, "to": None}}
    http.post(f"{V1}/rank", json=rank_body(), headers=headers)
    assert http.get(f"{V1}/logs/properties", headers=headers).json["dateRange"]["from"]
    assert http.delete(f"{V1}/logs", headers=headers).status_code == 204
    assert http.get(f"{V1}/logs/properties", headers=headers).json == empty


def test_v1_evaluations_are_posted_and_listed_as_an_array(http, key, loop_runtime, loop):
    headers = key()
    body = {"name": "first", "startTime": "2020-01-01T00:00:00Z", "endTime": "2100-01-01T00:00:00Z",
            "policies": [{"name": "slow", "arguments": "--cb_explore_adf -l 0.01"}]}  # fmt: skip
    none = http.post(f"{V1}/evaluations", json=body, headers=headers)
    assert none.status_code == 400 and none.json["error"]["code"] == "NoLogsExistInDateRange"
    for _ in range(30):
        event = http.post(f"{V1}/rank", json=rank_body(), headers=headers).json
        value = {"value": float(event["rewardActionId"] == "a0")}
        http.post(f"{V1}/events/{event['eventId']}/reward", json=value, headers=headers)
    parts = loop_runtime.personalizer
    assert parts.trainer.train(parts.loops.state(loop)) == 30
    created = http.post(f"{V1}/evaluations", json=body, headers=headers)
    assert created.status_code == 201, created.json
    assert created.json["status"] in ("Running", "Succeeded")
    path = f"{V1}/evaluations/{created.json['id']}"
    done = wait_until(lambda: _finished(http.get(path, headers=headers).json), 30, "evaluation")
    assert done["status"] == "Succeeded", done
    results = {p["name"]: p["totalSummary"] for p in done["policyResults"]}
    assert set(results) == {"nba-default", "slow", "Baseline", "Random"}
    low, high = results["Random"]["confidenceInterval"]
    assert low <= results["Random"]["expectedReward"] <= high
    listed = http.get(f"{V1}/evaluations", headers=headers).json
    assert [e["id"] for e in listed] == [created.json["id"]]
    apply = {"evaluationId": created.json["id"], "policyName": "Random"}
    missing = http.post(f"{V1}/configurations/applyFromEvaluation", json=apply, headers=headers)
    assert missing.json["error"]["code"] == "LearningSettingsNotFound"
    assert http.delete(f"{V1}/evaluations/nope", headers=headers).status_code == 404


def _finished(evaluation: dict) -> dict | None:
    return None if evaluation["status"] == "Running" else evaluation
