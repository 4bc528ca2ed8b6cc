"""One contract over every registered policy: sums, order, positivity, round trip, seeds."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import policies
from policies import (
    Candidate,
    Context,
    Event,
    InvalidModel,
    InvalidParameter,
    Policy,
    PolicyError,
    Ranking,
    UnknownPolicy,
    freeze_features,
)

NAMES = policies.names()


def _trained(name: str, seed: int, world: type) -> Policy:
    policy = policies.get(name, rng=np.random.default_rng(seed))
    policy.learn(world.logged_events(120, np.random.default_rng(1)))
    return policy


def _rankings(policy: Policy, world: type) -> list[Ranking]:
    rng = np.random.default_rng(99)
    return [policy.rank(world.context_for(s, rng), world.offers) for s in "ABAB"]


def test_every_required_name_is_registered() -> None:
    required = {"vw", "vw-squarecb", "vw-epsilon", "vw-softmax", "vw-bag", "vw-cover", "vw-rnd"}
    assert required | {"random", "rules", "linucb", "lints"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_probabilities_sum_to_one_follow_candidate_order_and_are_positive(name, world) -> None:
    policy = _trained(name, 3, world)
    for ranking in _rankings(policy, world):
        assert ranking.offer_ids == tuple(c.offer_id for c in world.offers)
        assert len(ranking.probabilities) == len(ranking.scores) == len(world.offers)
        assert math.isclose(sum(ranking.probabilities), 1.0, abs_tol=1e-6)
        assert all(p > 0 for p in ranking.probabilities)
        assert all(math.isfinite(s) for s in ranking.scores)


@pytest.mark.parametrize("name", NAMES)
def test_a_single_candidate_gets_probability_one(name, world) -> None:
    policy = _trained(name, 3, world)
    ranking = policy.rank(Context(0.5), world.offers[:1])
    assert ranking.probabilities == pytest.approx((1.0,), abs=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_rank_is_pure(name, world) -> None:
    policy = _trained(name, 3, world)
    assert _rankings(policy, world) == _rankings(policy, world)


@pytest.mark.parametrize("name", NAMES)
def test_saved_policy_restored_from_its_params_ranks_identically(name, world) -> None:
    policy = _trained(name, 3, world)
    params = json.loads(json.dumps(policy.params))
    restored = policies.get(policy.name, rng=np.random.default_rng(12345), **params)
    restored.load(policy.save())
    assert restored.name == name
    assert _rankings(restored, world) == _rankings(policy, world)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_and_events_give_the_same_rankings(name, world) -> None:
    assert _rankings(_trained(name, 8, world), world) == _rankings(_trained(name, 8, world), world)


@pytest.mark.parametrize("name", NAMES)
def test_policies_satisfy_the_protocol(name) -> None:
    assert isinstance(policies.get(name, rng=np.random.default_rng(0)), Policy)


@pytest.mark.parametrize("name", NAMES)
def test_no_candidates_is_an_invalid_parameter(name) -> None:
    with pytest.raises(InvalidParameter, match="candidates"):
        policies.get(name, rng=np.random.default_rng(0)).rank(Context(0.5), [])


@pytest.mark.parametrize("name", NAMES)
def test_an_out_of_range_churn_score_is_an_invalid_parameter_naming_it(name) -> None:
    policy = policies.get(name, rng=np.random.default_rng(0))
    with pytest.raises(InvalidParameter, match="churn_score"):
        policy.rank(Context(1.5), [Candidate("x", "none")])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("data", [b"not a model", b"nba-vw/1\x00\x00\x00\x02{}", b"\x00" * 64])
def test_loading_garbage_is_an_invalid_model_for_every_policy(name, data) -> None:
    with pytest.raises(InvalidModel, match=r"^data: ") as raised:
        policies.get(name, rng=np.random.default_rng(0)).load(data)
    assert isinstance(raised.value, PolicyError) and isinstance(raised.value, ValueError)


def test_unknown_policy_name_lists_the_known_ones() -> None:
    with pytest.raises(UnknownPolicy, match=r"^unknown policy .vw-magic.; known: vw, vw-squarecb"):
        policies.get("vw-magic")


@pytest.mark.parametrize(
    "name, params, field",
    [
        ("vw", {"epsilon": 0.0}, "epsilon"),
        ("vw", {"epsilon": float("nan")}, "epsilon"),
        ("vw", {"exploration": "greedy"}, "exploration"),
        ("vw", {"bits": 40}, "bits"),
        ("vw", {"learning_rate": -1}, "learning_rate"),
        ("vw", {"interactions": ["sx"]}, "interactions"),
        ("vw", {"scores": "logits"}, "scores"),
        ("vw", {"cold_start_tries": -1}, "cold_start_tries"),
        ("vw", {"cold_start_probability": 0.9}, "cold_start_probability"),
        ("vw", {"start_probability": -0.1}, "start_probability"),
        ("vw", {"start_tries": 1.5}, "start_tries"),
        ("vw", {"turbo": True}, "turbo"),
        ("vw-bag", {"bag_size": 1}, "bag_size"),
        ("vw-bag", {"exploration": "cover"}, "exploration"),
        ("vw-softmax", {"lambda_": 0}, "lambda_"),
        ("random", {"epsilon": 0.1}, "epsilon"),
        ("rules", {"epsilon": 1.5}, "epsilon"),
        ("rules", {"preferences": {"high": ["discount"]}}, "preferences"),
        ("rules", {"low_below": 0.7}, "high_from"),
        ("linucb", {"alpha": -0.1}, "alpha"),
        ("linucb", {"gamma": 0.0}, "gamma"),
        ("linucb", {"dim": 3}, "dim"),
        ("lints", {"draws": 0}, "draws"),
        ("lints", {"v": float("inf")}, "v"),
        ("lints", {"importance_weighting": "yes"}, "importance_weighting"),
    ],
)
def test_a_bad_parameter_fails_at_once_naming_it(name, params, field) -> None:
    with pytest.raises(InvalidParameter, match=rf"^{field}:") as raised:
        policies.get(name, **params)
    assert raised.value.parameter == field


def test_candidates_are_plain_values() -> None:
    candidate = Candidate("a", "none", freeze_features({"b": 1}))
    assert candidate == Candidate("a", "none", (("b", 1),))


_TRAINED: dict[str, Policy] = {}
_text = st.text(st.sampled_from(list("ab|: =\t\r\x00é")), max_size=6)
_values = st.one_of(_text, st.integers(-1000, 1000), st.booleans(), st.floats(-10, 10))
_features = st.dictionaries(_text.map(lambda s: "k" + s), _values, max_size=4)
_candidates = st.lists(
    st.builds(
        Candidate,
        offer_id=st.sampled_from(["a", "b", "c", "d|x", "e f"]),
        category=st.sampled_from(["discount", "loyalty", "none", "up:sell"]),
        features=_features.map(freeze_features),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.parametrize("name", ["vw", "vw-bag", "vw-regcb", "rules", "linucb", "lints"])
@settings(max_examples=40, deadline=None)
@given(churn=st.floats(0, 1), context=_features, candidates=_candidates)
def test_probabilities_sum_to_one_for_any_candidates_and_context(name, churn, context, candidates):
    if name not in _TRAINED:
        _TRAINED[name] = policies.get(name, rng=np.random.default_rng(0))
        _TRAINED[name].learn([Event(Context(0.5), tuple(candidates), 0, 0.5, 1.0)] * 20)
    ranking = _TRAINED[name].rank(Context(churn, freeze_features(context)), candidates)
    assert math.isclose(sum(ranking.probabilities), 1.0, abs_tol=1e-6)
    assert len(ranking.probabilities) == len(candidates)
    assert all(p > 0 for p in ranking.probabilities)
