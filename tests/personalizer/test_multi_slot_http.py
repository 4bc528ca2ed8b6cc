"""Multi-slot rank, reward and activate over HTTP (v1.1-preview paths and 2022-09-01-preview)."""

from __future__ import annotations

import pytest

from tests.personalizer.conftest import rank_body

PREVIEW = "/personalizer/v1.1-preview.3/multislot"
NEW = "?api-version=2022-09-01-preview"
SLOTS = [{"id": "hero", "baselineAction": "a0"},
         {"id": "side", "baselineAction": "a1", "features": [{"size": {"w": 2}}]},
         {"id": "foot", "baselineAction": "a2", "excludedActions": ["a0"]}]  # fmt: skip


def test_each_slot_gets_its_own_action_and_rewards_go_per_slot(http, key, loop_runtime, loop):
    headers = key()
    reply = http.post(f"{PREVIEW}/rank", json=rank_body(4, slots=SLOTS), headers=headers)
    assert reply.status_code == 201, reply.json
    chosen = {s["id"]: s["rewardActionId"] for s in reply.json["slots"]}
    assert list(chosen) == ["hero", "side", "foot"] and len(set(chosen.values())) == 3
    assert chosen["foot"] != "a0"
    event = reply.json["eventId"]
    rewards = {"reward": [{"slotId": "hero", "value": 1}, {"slotId": "foot", "value": 0.5}]}
    assert http.post(f"/personalizer/multislot/events/{event}/reward{NEW}", json=rewards,
                     headers=headers).status_code == 204  # fmt: skip
    slots = {s.slot_id: s for s in loop_runtime.personalizer.admin.logged(loop)}
    assert (slots["hero"].reward, slots["side"].reward, slots["foot"].reward) == (1.0, None, 0.5)
    assert slots["side"].slot_features == ({"size": {"w": 2}},)


def test_a_slot_with_no_action_left_gets_none(http, key):
    slots = [{"id": "s1", "baselineAction": "a0"}, {"id": "s2", "baselineAction": "a1"}]
    reply = http.post(f"{PREVIEW}/rank", json=rank_body(2, slots=slots, excludedActions=["a1"]),
                      headers=key())  # fmt: skip
    assert reply.json["slots"][1] == {"id": "s2", "rewardActionId": None}


def test_apprentice_mode_serves_each_slots_baseline(http, key):
    headers = key()
    http.put("/personalizer/configurations/service", json={"learningMode": "Apprentice"},
             headers=headers)  # fmt: skip
    reply = http.post(f"{PREVIEW}/rank", json=rank_body(4, slots=SLOTS), headers=headers).json
    assert [s["rewardActionId"] for s in reply["slots"]] == ["a0", "a1", "a2"]


@pytest.mark.parametrize(
    "slots, target",
    [
        ([{"id": "s", "baselineAction": "nope"}], "slots[0].baselineAction"),
        ([{"id": "s", "baselineAction": "a0", "excludedActions": ["a0"]}],
         "slots[0].baselineAction"),
        ([{"id": "s", "baselineAction": "a0"}, {"id": "s", "baselineAction": "a1"}], "slots"),
        ([{"id": "s", "baselineAction": "a0"}, {"id": "t", "baselineAction": "a0"}], "slots"),
        ([], "slots"),
    ],
)  # fmt: skip
def test_bad_slots_are_invalid_rank_requests_naming_the_field(http, key, slots, target):
    reply = http.post(f"{PREVIEW}/rank", json=rank_body(3, slots=slots), headers=key())
    assert reply.status_code == 400
    assert reply.json["error"] == {**reply.json["error"], "code": "InvalidRankRequest",
                                   "target": target}  # fmt: skip


def test_slot_rewards_must_name_its_slots_and_single_slot_reward_is_refused(http, key):
    headers = key()
    event = http.post(f"{PREVIEW}/rank", json=rank_body(3, slots=SLOTS[:2]), headers=headers)
    path = f"{PREVIEW}/events/{event.json['eventId']}"
    unknown = http.post(f"{path}/reward", json={"reward": [{"slotId": "x", "value": 1}]},
                        headers=headers)  # fmt: skip
    single = http.post(f"/personalizer/v1.0/events/{event.json['eventId']}/reward",
                       json={"value": 1}, headers=headers)  # fmt: skip
    assert unknown.json["error"]["code"] == single.json["error"]["code"] == "InvalidRewardRequest"
    assert http.post(f"{path}/activate", headers=headers).status_code == 204


def test_a_multi_slot_event_id_cannot_be_reused(http, key):
    headers = key()
    body = rank_body(3, slots=SLOTS[:2], eventId="ms-1")
    assert http.post(f"{PREVIEW}/rank", json=body, headers=headers).status_code == 201
    again = http.post(f"{PREVIEW}/rank", json=body, headers=headers)
    assert again.status_code == 400 and again.json["error"]["target"] == "eventId"
