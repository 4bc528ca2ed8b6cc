"""Rank, reward and activate over HTTP on both URL schemes, with Personalizer's errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.personalizer.conftest import rank_body

V1 = "/personalizer/v1.0"
NEW = "?api-version=2022-09-01-preview"


@pytest.mark.parametrize("path", [f"{V1}/rank", "/personalizer/v1.1-preview.3/rank",
                                  f"/personalizer/rank{NEW}"])  # fmt: skip
def test_rank_answers_201_on_every_url_scheme(http, key, path):
    reply = http.post(path, json=rank_body(excludedActions=["a1"]), headers=key())
    assert reply.status_code == 201, reply.json
    ranking = {r["id"]: r["probability"] for r in reply.json["ranking"]}
    assert set(ranking) == {"a0", "a1", "a2"} and ranking["a1"] == 0.0
    assert sum(ranking.values()) == pytest.approx(1.0)
    assert reply.json["rewardActionId"] == reply.json["ranking"][0]["id"] != "a1"


def test_an_excluded_id_that_names_no_action_excludes_nothing(http, key):
    reply = http.post(f"{V1}/rank", json=rank_body(excludedActions=["nope", "a0"]), headers=key())
    assert reply.status_code == 201
    assert {r["id"] for r in reply.json["ranking"]} == {"a0", "a1", "a2"}


def test_an_event_id_is_made_when_absent_and_kept_when_given(http, key):
    headers = key()
    made = {http.post(f"{V1}/rank", json=rank_body(), headers=headers).json["eventId"]
            for _ in range(3)}  # fmt: skip
    assert len(made) == 3 and all(made)
    reply = http.post(f"{V1}/rank", json=rank_body(eventId="mine-1"), headers=headers)
    assert reply.json["eventId"] == "mine-1"


@pytest.mark.parametrize(
    "body, code, target",
    [
        (rank_body(51), "InvalidRankRequest", "actions"),
        ({**rank_body(), "contextFeatures": []}, "InvalidRankRequest", "contextFeatures"),
        ({**rank_body(), "contextFeatures": [{"_only": "hidden"}]}, "InvalidRankRequest",
         "contextFeatures"),
        (rank_body(eventId="e" * 257), "InvalidRankRequest", "eventId"),
        (rank_body(excludedActions=["a0", "a1", "a2"]), "InvalidRankRequest", "excludedActions"),
        ({**rank_body(), "actions": [{"id": "x", "features": []}] * 2}, "InvalidRankRequest",
         "actions[1].id"),
    ],
)  # fmt: skip
def test_a_bad_rank_request_is_400_with_personalizers_code(http, key, body, code, target):
    reply = http.post(f"{V1}/rank", json=body, headers=key())
    assert reply.status_code == 400
    assert reply.json["error"]["code"] == code and reply.json["error"]["target"] == target


def test_a_duplicate_event_id_is_refused_and_nothing_changes(http, key):
    headers = key()
    assert http.post(f"{V1}/rank", json=rank_body(eventId="e1"), headers=headers).status_code == 201
    again = http.post(f"{V1}/rank", json=rank_body(eventId="e1"), headers=headers)
    assert again.status_code == 400 and again.json["error"]["code"] == "InvalidRankRequest"


def test_reward_and_activate_are_204(http, key):
    headers = key()
    event = http.post(f"{V1}/rank", json=rank_body(deferActivation=True), headers=headers).json
    path = f"{V1}/events/{event['eventId']}"
    assert http.post(f"{path}/activate", headers=headers).status_code == 204
    assert http.post(f"{path}/reward", json={"value": 0.5}, headers=headers).status_code == 204


@pytest.mark.parametrize("value", [1.5, -1.01, "1", None, True])
def test_a_reward_outside_minus_one_one_is_invalid_reward_request(http, key, value):
    headers = key()
    event = http.post(f"{V1}/rank", json=rank_body(), headers=headers).json["eventId"]
    reply = http.post(f"{V1}/events/{event}/reward", json={"value": value}, headers=headers)
    assert reply.status_code == 400 and reply.json["error"]["code"] == "InvalidRewardRequest"


def test_unknown_events_are_resource_not_found_and_invalid_event_id_to_activate(http, key):
    headers = key()
    reward = http.post(f"{V1}/events/nope/reward", json={"value": 1}, headers=headers)
    assert reward.status_code == 404 and reward.json["error"]["code"] == "ResourceNotFound"
    activate = http.post(f"{V1}/events/nope/activate", headers=headers)
    assert activate.status_code == 400
    assert activate.json["error"]["code"] == "InvalidEventIdToActivate"


def test_keys_are_checked_and_only_personalizer_and_admin_roles_pass(http, key):
    body = rank_body()
    missing = http.post(f"{V1}/rank", json=body)
    wrong = http.post(f"{V1}/rank", json=body, headers={"Ocp-Apim-Subscription-Key": "nba_x"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert wrong.json["error"]["code"] == "Unauthorized"
    crm = http.post(f"{V1}/rank", json=body, headers=key(role="crm"))
    assert crm.status_code == 403 and crm.json["error"]["code"] == "InvalidApiAccess"
    assert http.post(f"{V1}/rank", json=body, headers=key(role="admin")).status_code == 201


def test_a_body_that_is_not_json_or_too_large_gets_personalizers_codes(http, key, loop_app):
    headers = key()
    bad = http.post(f"{V1}/rank", data="{nope", headers=headers)
    assert bad.status_code == 400 and bad.json["error"]["code"] == "BadRequest"
    big = loop_app.config["MAX_CONTENT_LENGTH"] + 1
    huge = http.post(f"{V1}/rank", data="x" * big, headers=headers)
    assert huge.status_code == 400 and huge.json["error"]["code"] == "PayloadSizeExceeded"


def test_loops_keep_their_events_apart_and_unbound_keys_use_the_default_loop(http, key, loop):
    shop, blog, anyone = key(f"{loop}-shop"), key(f"{loop}-blog"), key("default")
    event = http.post(f"{V1}/rank", json=rank_body(eventId="same"), headers=shop).json
    assert http.post(f"{V1}/rank", json=rank_body(eventId="same"), headers=blog).status_code == 201
    assert http.post(f"{V1}/events/{event['eventId']}/reward", json={"value": 1},
                     headers=anyone).status_code == 404  # fmt: skip
    assert http.post(f"{V1}/rank", json=rank_body(eventId=loop), headers=anyone).status_code == 201


def test_an_unknown_personalizer_path_is_resource_not_found(http, key):
    for path in ("/personalizer/v1.0/nothing", "/personalizer/v2.0/rank", "/personalizer/x"):
        reply = http.post(path, json={}, headers=key())
        assert reply.status_code == 404 and reply.json["error"]["code"] == "ResourceNotFound"


def test_the_retention_api_refuses_a_personalizer_key(http, key):
    _, secret = next(iter(key().items()))
    reply = http.get("/v1/offers", headers={"Authorization": f"Bearer {secret}"})
    assert reply.status_code == 403


def test_a_reward_is_learned_once_final_and_a_deferred_one_only_after_activation(
    http, key, loop_runtime, clock, loop
):
    headers = key()
    train = _trainer(loop_runtime, loop)
    now = http.post(f"{V1}/rank", json=rank_body(), headers=headers).json["eventId"]
    later = http.post(f"{V1}/rank", json=rank_body(deferActivation=True), headers=headers).json
    for event in (now, later["eventId"]):
        http.post(f"{V1}/events/{event}/reward", json={"value": 1}, headers=headers)
    assert train() == 1  # earliest: the first reward is final
    clock.advance(timedelta(minutes=11))
    assert train() == 0  # never activated: never learned
    http.post(f"{V1}/events/{later['eventId']}/activate", headers=headers)
    clock.advance(timedelta(minutes=11))
    assert train() == 1  # its reward came before activation: the default


def test_an_activated_event_without_reward_gets_the_default_reward_after_the_wait(
    http, key, loop_runtime, clock, loop
):
    headers = key()
    train = _trainer(loop_runtime, loop)
    http.put("/personalizer/configurations/service", json={"defaultReward": -0.5,
             "rewardWaitTime": "PT30S"}, headers=headers)  # fmt: skip
    event = http.post(f"{V1}/rank", json=rank_body(), headers=headers).json["eventId"]
    assert train() == 0
    clock.advance(timedelta(seconds=31))
    assert train() == 1
    [slot] = loop_runtime.personalizer.admin.logged(loop)
    assert slot.event_id == event and slot.learned_reward == -0.5


def test_sum_aggregation_adds_the_rewards_up_until_the_wait_is_over(
    http, key, loop_runtime, clock, loop
):
    headers = key()
    train = _trainer(loop_runtime, loop)
    http.put("/personalizer/configurations/service", json={"rewardAggregation": "sum",
             "rewardWaitTime": "PT10S"}, headers=headers)  # fmt: skip
    event = http.post(f"{V1}/rank", json=rank_body(), headers=headers).json["eventId"]
    for value in (0.25, 0.5):
        http.post(f"{V1}/events/{event}/reward", json={"value": value}, headers=headers)
    assert train() == 0
    clock.advance(timedelta(seconds=11))
    assert train() == 1
    [slot] = loop_runtime.personalizer.admin.logged(loop)
    assert slot.learned_reward == 0.75


def test_apprentice_mode_serves_the_first_action_not_excluded(http, key):
    headers = key()
    http.put("/personalizer/configurations/service", json={"learningMode": "Apprentice"},
             headers=headers)  # fmt: skip
    reply = http.post(f"{V1}/rank", json=rank_body(excludedActions=["a0"]), headers=headers).json
    assert reply["rewardActionId"] == "a1"
    assert reply["ranking"][0] == {"id": "a1", "probability": 1.0}


def _trainer(runtime, loop):
    parts = runtime.personalizer
    return lambda: parts.trainer.train(parts.loops.state(loop))
