"""Personalizer's feature objects become flat, namespaced features."""

from __future__ import annotations

import pytest

from nba.personalizer import PersonalizerError
from nba.personalizer.features import action_features, context_features


def test_each_top_level_key_is_a_namespace_and_nested_objects_flatten_into_it():
    objects = [{"user": {"plan": "gold", "device": {"os": "ios", "age_days": 12}}},
               {"time": "morning"}]  # fmt: skip
    assert context_features(objects, "contextFeatures") == (
        ("user.plan", "gold"),
        ("user.device.os", "ios"),
        ("user.device.age_days", 12.0),
        ("time", "morning"),
    )


def test_equal_keys_in_two_namespaces_stay_two_features():
    features = context_features([{"a": {"x": 1}}, {"b": {"x": 1}}], "contextFeatures")
    assert [name for name, _ in features] == ["a.x", "b.x"]


def test_numeric_arrays_give_one_feature_per_position():
    assert context_features([{"geo": {"latLong": [47.6, -122.1]}}], "c") == (
        ("geo.latLong[0]", 47.6),
        ("geo.latLong[1]", -122.1),
    )


def test_underscore_keys_and_nulls_are_not_features():
    objects = [{"_id": "x", "user": {"_secret": 1, "plan": "gold", "none": None}}]
    assert context_features(objects, "c") == (("user.plan", "gold"),)


def test_strings_are_categorical_and_numbers_numeric_and_bools_kept():
    features = dict(action_features([{"f": {"s": "7", "n": 7, "b": True}}], "actions"))
    assert features == {"f.s": "7", "f.n": 7.0, "f.b": True}


def test_a_name_the_encoder_reserves_is_renamed_not_refused():
    assert action_features([{"offer": "x"}], "actions") == (("offer.", "x"),)


UNUSABLE = [{"not": "a list"}, ["not an object"], [{"x": {"n": float("inf")}}], [{"x": {"n": 2e9}}]]


@pytest.mark.parametrize("objects", UNUSABLE)
def test_unusable_feature_objects_are_an_invalid_rank_request(objects):
    with pytest.raises(PersonalizerError) as raised:
        context_features(objects, "contextFeatures")
    assert raised.value.code == "InvalidRankRequest" and raised.value.status == 400
