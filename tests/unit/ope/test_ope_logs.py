"""Decision logs (Parquet, CSV, DSJSON) become OPE arrays; bad rows are named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nba.errors import InvalidInput
from nba.logschema import write_log
from nba.ope.dsjson import read_dsjson, write_dsjson
from nba.ope.logs import from_frame, read_decision_log
from nba.ope.synthetic import decision_log


@pytest.fixture
def frame(rng):
    return decision_log(300, rng)


def test_arrays_follow_one_global_offer_index(frame):
    data = from_frame(frame)
    assert data.offer_ids == ("no_action", "offer_1", "offer_2", "offer_3", "offer_4")
    np.testing.assert_allclose(data.logging_dist.sum(axis=1), 1.0)
    assert (data.logging_dist[~data.eligible] == 0).all()
    rows = np.arange(data.n)
    np.testing.assert_allclose(data.logging_dist[rows, data.action], data.pscore)
    assert [data.offer_ids[a] for a in data.action] == data.frame["offer_id"].tolist()


def test_null_rewards_are_dropped_or_defaulted(frame):
    null = int(frame["reward"].isna().sum())
    assert null > 0
    assert from_frame(frame).n == len(frame) - null
    defaulted = from_frame(frame, missing_reward="default", default_reward=0.0)
    assert defaulted.n == len(frame) and np.isfinite(defaulted.reward).all()


def test_features_hold_churn_score_and_context_fields(frame):
    data = from_frame(frame)
    features = data.features()
    assert features.shape == (data.n, 4)
    np.testing.assert_allclose(features[:, 0], data.churn_score)


@pytest.mark.parametrize(
    "column, value, field",
    [
        ("propensity", 0.0, "propensity"),
        ("propensity", 1.2, "propensity"),
        ("offer_id", "offer_99", "offer_id"),
        ("probabilities", [0.1], "probabilities"),
    ],
)
def test_bad_rows_are_named_by_field_position_and_decision_id(frame, column, value, field):
    frame = frame.dropna(subset=["reward"]).reset_index(drop=True)
    frame.at[4, column] = value
    with pytest.raises(InvalidInput) as caught:
        from_frame(frame)
    assert caught.value.field == field
    assert caught.value.details["rows"] == [4]
    assert frame.at[4, "decision_id"] in caught.value.message


def test_probabilities_not_summing_to_one_are_rejected(frame):
    frame = frame.dropna(subset=["reward"]).reset_index(drop=True)
    frame.at[2, "probabilities"] = [p / 2 for p in frame.at[2, "probabilities"]]
    with pytest.raises(InvalidInput, match="sum to 1") as caught:
        from_frame(frame)
    assert caught.value.details["rows"] == [2]


def test_parquet_and_csv_logs_give_the_same_arrays(frame, tmp_path):
    expected = from_frame(frame)
    for name in ("log.parquet", "log.csv"):
        data = from_frame(read_decision_log(write_log(frame, tmp_path / name)))
        np.testing.assert_allclose(data.logging_dist, expected.logging_dist)
        np.testing.assert_array_equal(data.action, expected.action)
        np.testing.assert_array_equal(data.reward, expected.reward)


def test_dsjson_round_trip_keeps_the_arrays(frame, tmp_path):
    path = write_dsjson(frame, tmp_path / "log.dsjson")
    first = json.loads(path.read_text().splitlines()[0])
    assert {"_label_probability", "_labelIndex", "a", "p", "c"} <= set(first)
    expected = from_frame(frame)
    data = from_frame(read_dsjson(path))
    assert data.offer_ids == expected.offer_ids
    np.testing.assert_allclose(data.logging_dist, expected.logging_dist)
    np.testing.assert_array_equal(data.action, expected.action)
    np.testing.assert_array_equal(data.reward, expected.reward)
    np.testing.assert_allclose(data.churn_score, expected.churn_score)


def test_dsjson_reward_is_minus_cost_and_outcome_lines_are_skipped(tmp_path):
    event = {
        "_label_cost": -1.0, "_label_probability": 0.6, "_labelIndex": 1, "EventId": "e1",
        "a": [2, 1], "p": [0.6, 0.4],
        "c": {"churn_score": 0.7, "_multi": [{"offer": {"id": "a"}}, {"offer_id": "b"}]},
    }  # fmt: skip
    path = tmp_path / "vw.json"
    path.write_text(json.dumps(event) + "\n" + json.dumps({"RewardValue": 1.0}) + "\n")
    data = from_frame(read_decision_log(path))
    assert data.offer_ids == ("a", "b")
    assert data.reward.tolist() == [1.0] and data.pscore.tolist() == [0.6]
    np.testing.assert_allclose(data.logging_dist, [[0.4, 0.6]])
