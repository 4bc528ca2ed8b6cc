"""Both official Personalizer SDKs, unchanged, against a live `nba serve` (issue 17).

`azure-cognitiveservices-personalizer` (msrest, `/personalizer/v1.0/...`) and
`azure-ai-personalizer` (azure-core, `/personalizer/...?api-version=2022-09-01-preview`)
drive one gunicorn service; each test speaks to a loop of its own.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import vowpal_wabbit_next as vw
from azure.ai.personalizer import PersonalizerAdministrationClient
from azure.ai.personalizer import PersonalizerClient as NewClient
from azure.cognitiveservices.personalizer import PersonalizerClient as OldClient
from azure.cognitiveservices.personalizer.models import (
    ErrorResponseException,
    RankableAction,
    RankRequest,
)
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from msrest.authentication import CognitiveServicesCredentials
from msrest.exceptions import HttpOperationError

from nba.clock import utc_now
from nba.personalizer.loops import LoopDirectory
from nba.serving.keys import KeyRing
from nba.storage import Database
from tests.e2e.live import Served
from tests.waiting import wait_until

pytestmark = pytest.mark.slow  # a live gunicorn service

FOODS = {"pasta": 700, "salad": 250, "soup": 300, "ice_cream": 450}
BEST = {"morning": "salad", "noon": "pasta", "evening": "soup", "night": "ice_cream"}
"""The synthetic truth: the food each time of day likes (accepted with p=0.9, others 0.1)."""


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("personalizer")
    url = f"sqlite:///{folder / 'nba.db'}"
    database = Database(url)
    database.upgrade()
    live = Served(folder, url, seed=7, model_poll_s=0.25)
    keys, loops = KeyRing(database), LoopDirectory(database, utc_now)

    def key_of(loop: str) -> str:
        loops.create(loop)
        made, secret = keys.create("personalizer", loop)
        loops.bind_key(made.id, loop)
        return secret

    live.key_of = key_of
    live.start()
    yield live
    live.stop()
    database.dispose()


def _actions():
    return [{"id": food, "features": [{"food": {"kind": food, "calories": kcal}}]}
            for food, kcal in FOODS.items()]  # fmt: skip


def test_the_msrest_sdk_ranks_rewards_and_activates(service):
    client = OldClient(service.url, CognitiveServicesCredentials(service.key_of("old")))
    actions = [RankableAction(id=a["id"], features=a["features"]) for a in _actions()]
    request = RankRequest(actions=actions, context_features=[{"time": "noon"}],
                          excluded_actions=["soup"], defer_activation=True)  # fmt: skip
    reply = client.rank(request)
    ranking = {r.id: r.probability for r in reply.ranking}
    assert ranking["soup"] == 0 and sum(ranking.values()) == pytest.approx(1)
    assert reply.reward_action_id in FOODS and reply.reward_action_id != "soup"
    client.events.activate(reply.event_id)
    client.events.reward(reply.event_id, value=1.0)


def test_the_msrest_sdk_raises_its_exception_with_personalizers_code(service):
    client = OldClient(service.url, CognitiveServicesCredentials(service.key_of("old-errors")))
    too_many = [RankableAction(id=f"a{i}", features=[{"i": i}]) for i in range(51)]
    with pytest.raises(ErrorResponseException) as raised:
        client.rank(RankRequest(actions=too_many, context_features=[{"time": "noon"}]))
    assert raised.value.error.error.code == "InvalidRankRequest"
    # The events operations of this SDK raise a bare HttpOperationError (no error model).
    with pytest.raises(HttpOperationError) as failed:
        client.events.activate("never-ranked")
    assert failed.value.response.json()["error"]["code"] == "InvalidEventIdToActivate"
    reply = client.rank(RankRequest(actions=too_many[:3], context_features=[{"time": "noon"}]))
    with pytest.raises(HttpOperationError) as failed:
        client.events.reward(reply.event_id, value=2.0)
    assert failed.value.response.status_code == 400
    assert failed.value.response.json()["error"]["code"] == "InvalidRewardRequest"


def test_the_azure_core_sdk_ranks_rewards_activates_and_raises_with_codes(service):
    client = NewClient(service.url, AzureKeyCredential(service.key_of("new")))
    reply = client.rank({"contextFeatures": [{"time": "night"}], "actions": _actions(),
                         "excludedActions": ["pasta"], "eventId": "evt-1",
                         "deferActivation": True})  # fmt: skip
    assert reply["eventId"] == "evt-1"
    assert {r["id"]: r["probability"] for r in reply["ranking"]}["pasta"] == 0
    client.activate("evt-1")
    client.reward("evt-1", {"value": 0.5})
    with pytest.raises(HttpResponseError) as raised:
        client.rank({"contextFeatures": [{"time": "night"}], "actions": _actions(),
                     "eventId": "evt-1"})  # fmt: skip
    assert raised.value.status_code == 400 and raised.value.error.code == "InvalidRankRequest"
    with pytest.raises(ResourceNotFoundError) as missing:
        client.reward("never-ranked", {"value": 1})
    assert missing.value.error.code == "ResourceNotFound"


def test_the_azure_core_sdk_ranks_multi_slot_events(service):
    client = NewClient(service.url, AzureKeyCredential(service.key_of("slots")))
    side = {"id": "side", "baselineAction": "salad", "features": [{"size": "small"}]}
    slots = [{"id": "main", "baselineAction": "pasta"}, side]
    reply = client.rank_multi_slot({"contextFeatures": [{"time": "noon"}], "actions": _actions(),
                                    "slots": slots, "deferActivation": True})  # fmt: skip
    chosen = {s["id"]: s["rewardActionId"] for s in reply["slots"]}
    assert set(chosen) == {"main", "side"} and len(set(chosen.values())) == 2
    client.activate_multi_slot(reply["eventId"])
    client.reward_multi_slot(reply["eventId"], {"reward": [{"slotId": "main", "value": 1}]})
    with pytest.raises(HttpResponseError) as raised:
        client.reward_multi_slot(reply["eventId"], {"reward": [{"slotId": "x", "value": 1}]})
    assert raised.value.error.code == "InvalidRewardRequest"


def test_a_loop_driven_only_through_the_sdk_learns_food_by_time_of_day(service):
    key = AzureKeyCredential(service.key_of("food"))
    admin = PersonalizerAdministrationClient(service.url, key)
    config = admin.get_service_configuration()
    config.update(modelExportFrequency="PT1S", explorationPercentage=0.2)
    assert admin.update_service_configuration(config)["modelExportFrequency"] == "PT1S"
    client = NewClient(service.url, key)
    rng = np.random.default_rng(17)
    times = list(BEST)
    rewards = []
    for i in range(320):
        if i == 240:
            time.sleep(1.5)  # a pause in traffic: the model exported each second is served
        time_of_day = times[int(rng.integers(len(times)))]
        reply = client.rank({"contextFeatures": [{"time": time_of_day}], "actions": _actions()})
        served = reply["rewardActionId"]
        reward = float(rng.random() < (0.9 if served == BEST[time_of_day] else 0.1))
        client.reward(reply["eventId"], {"value": reward})
        rewards.append(reward)
    uniform = (0.9 + 3 * 0.1) / 4
    last_quarter = float(np.mean(rewards[-80:]))
    assert last_quarter > uniform + 0.25, (last_quarter, float(np.mean(rewards[:80])))


def test_the_administration_client_configures_exports_imports_and_evaluates(service):
    key = AzureKeyCredential(service.key_of("admin"))
    admin, client = PersonalizerAdministrationClient(service.url, key), NewClient(service.url, key)
    config = admin.get_service_configuration()
    assert (config["rewardWaitTime"], config["learningMode"]) == ("PT10M", "Online")
    config.update(rewardWaitTime="PT1M", defaultReward=0.1, rewardAggregation="sum")
    assert admin.update_service_configuration(config)["rewardWaitTime"] == "PT1M"
    assert admin.get_service_configuration()["rewardAggregation"] == "sum"
    with pytest.raises(HttpResponseError) as raised:
        admin.update_service_configuration({**config, "rewardWaitTime": "soon"})
    assert raised.value.error.code == "InvalidServiceConfiguration"
    with pytest.raises(HttpResponseError) as raised:
        admin.update_policy({"name": "x", "arguments": "--cb_explore_adf --bfgs"})
    assert raised.value.error.code == "InvalidPolicyConfiguration"
    admin.update_service_configuration({**config, "rewardAggregation": "earliest"})
    for _ in range(40):
        reply = client.rank({"contextFeatures": [{"time": "noon"}], "actions": _actions()})
        client.reward(reply["eventId"], {"value": float(reply["rewardActionId"] == "pasta")})
    assert admin.get_log_properties()["dateRange"]["from"] is not None
    exported = wait_until(  # the trainer publishes the learned model within a few seconds
        lambda: next((m for m in [b"".join(admin.export_model())] if len(_weights(m)) > 10), None),
        30,
        "an exported model with the rewards learned",
        poll_s=0.25,
    )
    copy = AzureKeyCredential(service.key_of("copy"))
    other = PersonalizerAdministrationClient(service.url, copy)
    other.import_model(exported)
    imported = b"".join(other.export_model())
    assert _weights(imported) == _weights(exported) and len(_weights(exported)) > 10
    assert other.get_model_properties()["lastModifiedTime"]
    start, end = "2020-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00"
    fast = {"name": "fast", "arguments": "--cb_explore_adf -l 1.0 --power_t 0.3 -q ::"}
    _wait_for_settled(
        admin,
        lambda: admin.create_evaluation(
            "e1", {"name": "e1", "startTime": start, "endTime": end, "policies": [fast]}
        ),
    )
    found = wait_until(
        lambda: _finished(admin.get_evaluation("e1", start_time=start, end_time=end)),
        30,
        "evaluation",
    )
    names = {p["name"] for p in found["content"]["value"]}
    assert found["status"] == "Succeeded" and names == {"nba-default", "fast", "Baseline", "Random"}
    assert [e["id"] for e in admin.list_evaluations()] == ["e1"]
    admin.apply_from_evaluation({"evaluationId": "e1", "policyName": "fast"})
    assert admin.get_policy()["name"] == "fast"
    admin.delete_evaluation("e1")
    with pytest.raises(ResourceNotFoundError):
        admin.get_evaluation("e1", start_time=start, end_time=end)
    admin.reset_model()
    admin.delete_logs()
    assert admin.get_log_properties()["dateRange"]["from"] is None


def _finished(evaluation: dict) -> dict | None:
    return None if evaluation["status"] == "Running" else evaluation


def _weights(model: bytes) -> list[dict]:
    """A VW model's weights (its bytes also hold counters that change as it predicts)."""
    return json.loads(vw.Workspace(model_data=model).json_weights())["weights"]


def _wait_for_settled(admin, create) -> None:
    """Create once the trainer (every 0.25 s) has settled some rewards."""
    for _ in range(40):
        try:
            create()
            return
        except HttpResponseError as error:
            if error.error.code != "NoLogsExistInDateRange":
                raise
            time.sleep(0.25)
    raise AssertionError("no settled events")
