"""VWPolicy: learning, label validation, persistence, caching and explanations."""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path

import numpy as np
import pytest

import policies
from policies import (
    Candidate,
    Context,
    Event,
    InvalidModel,
    InvalidParameter,
    VWPolicy,
    freeze_features,
)


def test_default_vw_policy_serves_each_segments_best_offer_in_over_90_percent(world, rng):
    policy = policies.get("vw", rng=rng)
    world.train_online(policy, 5000, rng)
    assert world.best_offer_rate(policy, 1000, rng) > 0.9


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("propensity", 0.0, "propensity"),
        ("propensity", -0.2, "propensity"),
        ("propensity", 1.5, "propensity"),
        ("propensity", 1e-12, "propensity"),
        ("propensity", float("nan"), "propensity"),
        ("reward", float("nan"), "reward"),
        ("reward", 2.0, "reward"),
        ("chosen", 4, "chosen"),
    ],
)
def test_an_invalid_event_is_refused_naming_it_and_nothing_is_learned(world, field, value, match):
    policy = policies.get("vw", rng=np.random.default_rng(1))
    before = policy.save()
    good = world.logged_events(3, np.random.default_rng(2))
    fields = {"context": good[0].context, "candidates": world.offers, "chosen": 0}
    bad = Event(**{**fields, "propensity": 0.5, "reward": 1.0, field: value})
    with pytest.raises(InvalidParameter, match=match):
        policy.learn([*good, bad])
    assert policy.save() == before


def test_same_events_give_bit_identical_models(world):
    events = world.logged_events(300, np.random.default_rng(4))
    a, b = (policies.get("vw", rng=np.random.default_rng(5)) for _ in range(2))
    a.learn(events)
    b.learn(events)
    assert a.save() == b.save()


def test_a_loaded_model_saves_back_the_same_bytes(world):
    policy = policies.get("vw", rng=np.random.default_rng(5))
    policy.learn(world.logged_events(300, np.random.default_rng(4)))
    policy.load(policy.save())  # loading resets VW's reporting counters once
    first = policy.save()
    policy.load(first)
    assert policy.save() == first


@pytest.mark.parametrize("name", ["vw", "vw-epsilon", "vw-softmax", "vw-regcb"])
def test_resumed_training_equals_uninterrupted_training(world, name):
    events = world.logged_events(400, np.random.default_rng(6))
    whole = policies.get(name, rng=np.random.default_rng(7))
    whole.learn(events)
    half = policies.get(name, rng=np.random.default_rng(7))
    half.learn(events[:200])
    resumed = policies.get(name, rng=np.random.default_rng(8), **half.params)
    resumed.load(half.save())
    resumed.learn(events[200:])
    whole.load(whole.save())  # both now hold freshly loaded counters
    resumed.load(resumed.save())
    assert resumed.save() == whole.save()


@pytest.mark.parametrize("name", ["vw-bag", "vw-cover", "vw-rnd"])
def test_resumed_training_of_randomised_explorers_ranks_within_a_percent(world, name):
    # Their VW random state is not in the model, so resumed bytes differ slightly.
    events = world.logged_events(400, np.random.default_rng(6))
    whole = policies.get(name, rng=np.random.default_rng(7))
    whole.learn(events)
    half = policies.get(name, rng=np.random.default_rng(7))
    half.learn(events[:200])
    resumed = policies.get(name, rng=np.random.default_rng(8), **half.params)
    resumed.load(half.save())
    resumed.learn(events[200:])
    rng = np.random.default_rng(1)
    for segment in "ABAB":
        context = world.context_for(segment, rng)
        expected = whole.rank(context, world.offers).probabilities
        assert resumed.rank(context, world.offers).probabilities == pytest.approx(
            expected, abs=0.01
        )


def test_loading_a_model_of_another_exploration_is_an_invalid_model(world):
    bag = policies.get("vw-bag", rng=np.random.default_rng(1))
    with pytest.raises(InvalidModel, match="data"):
        policies.get("vw", rng=np.random.default_rng(1)).load(bag.save())


def test_loading_garbage_is_an_invalid_model():
    with pytest.raises(InvalidModel, match="data"):
        policies.get("vw").load(b"not a model")


def test_cached_offer_examples_rank_like_freshly_parsed_ones(world, rng):
    cached = policies.get("vw", rng=np.random.default_rng(3))
    fresh = policies.get("vw", rng=np.random.default_rng(3), cache_size=0)
    events = world.logged_events(300, np.random.default_rng(4))
    for policy in (cached, fresh):
        policy.learn(events)
    for _ in range(50):
        context = world.context_for("AB"[int(rng.integers(2))], rng)
        subset = [world.offers[i] for i in rng.permutation(4)[: int(rng.integers(1, 5))]]
        assert cached.rank(context, subset) == fresh.rank(context, subset)


def test_the_same_candidate_twice_gets_equal_probabilities(world):
    policy = policies.get("vw-epsilon", rng=np.random.default_rng(3))
    policy.learn(world.logged_events(300, np.random.default_rng(4)))
    offer = world.offers[0]
    context = world.context_for("A", np.random.default_rng(5))
    policy.rank(context, [offer])  # now cached
    ranking = policy.rank(context, [offer, world.offers[1], offer])
    assert ranking.probabilities[0] == pytest.approx(ranking.probabilities[2])
    assert ranking.probabilities[0] > ranking.probabilities[1]


def test_a_bool_and_an_int_feature_are_different_candidates():
    policy = policies.get("vw", rng=np.random.default_rng(3))
    flag = Candidate("x", "none", (("f", True),))
    one = Candidate("x", "none", (("f", 1),))
    policy.learn([Event(Context(0.5), (flag, Candidate("y", "none")), 0, 0.5, 1.0)] * 50)
    first = policy.rank(Context(0.5), [flag, Candidate("y", "none")])
    second = policy.rank(Context(0.5), [one, Candidate("y", "none")])
    assert first != second


@pytest.mark.parametrize("exploration", ["squarecb", "epsilon", "softmax", "bag", "regcb"])
def test_reward_scores_put_the_best_offer_first(world, exploration):
    policy = VWPolicy(np.random.default_rng(2), exploration=exploration, scores="reward")
    world.train_online(policy, 2000, np.random.default_rng(3))
    rng = np.random.default_rng(4)
    for segment, best in (("A", 0), ("B", 2)):
        ranking = policy.rank(world.context_for(segment, rng), world.offers)
        assert int(np.argmax(ranking.scores)) == best
    assert all(-1.5 < s < 1.5 for s in ranking.scores)


def test_rnd_reward_scores_are_finite_and_rank_like_the_probabilities(world):
    policy = VWPolicy(np.random.default_rng(2), exploration="rnd", scores="reward")
    world.train_online(policy, 500, np.random.default_rng(3))
    ranking = policy.rank(world.context_for("B", np.random.default_rng(4)), world.offers)
    assert all(math.isfinite(s) for s in ranking.scores)
    assert np.argmax(ranking.scores) == np.argmax(ranking.probabilities)


def test_explain_rejects_a_bad_index(world):
    with pytest.raises(InvalidParameter, match="index"):
        policies.get("vw").explain(Context(0.5), world.offers, 9)


def test_concurrent_rank_and_learn_keep_valid_rankings(world):
    policy = policies.get("vw", rng=np.random.default_rng(2))
    events = world.logged_events(400, np.random.default_rng(3))
    errors: list[BaseException] = []

    def ranker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for _ in range(200):
                ranking = policy.rank(world.context_for("A", rng), world.offers)
                assert math.isclose(sum(ranking.probabilities), 1.0, abs_tol=1e-6)
        except BaseException as error:  # collected for the main thread to assert on
            errors.append(error)

    threads = [threading.Thread(target=ranker, args=(s,)) for s in range(3)]
    for thread in threads:
        thread.start()
    for start in range(0, 400, 20):
        policy.learn(events[start : start + 20])
    for thread in threads:
        thread.join()
    assert errors == []


_NEW = Candidate("streaming", "loyalty", freeze_features({"months_free": 3}))


def _trained(world, **params):
    params = {"cold_start_tries": 100, **params}
    policy = policies.get("vw", rng=np.random.default_rng(11), **params)
    policy.learn(world.logged_events(800, np.random.default_rng(12)))  # ~200 tries per offer
    return policy


def _tries_of_new(world, n):
    rng = np.random.default_rng(13)
    candidates = (*world.offers, _NEW)
    return [
        Event(world.context_for("AB"[i % 2], rng), candidates, 4, 0.2, float(rng.random() < 0.1))
        for i in range(n)
    ]


def test_a_new_offer_gets_the_cold_start_floor_until_tried_enough(world):
    floored = _trained(world, cold_start_probability=0.3)
    plain = _trained(world, cold_start_tries=0)
    context = world.context_for("A", np.random.default_rng(14))
    candidates = [*world.offers, _NEW]
    assert floored.rank(context, candidates).probabilities[4] == pytest.approx(0.3)
    assert plain.rank(context, candidates).probabilities[4] < 0.3
    for policy in (floored, plain):
        policy.learn(_tries_of_new(world, 100))
    assert floored.rank(context, candidates) == plain.rank(context, candidates)


def test_cold_start_counts_survive_save_and_load(world):
    policy = _trained(world)
    policy.learn(_tries_of_new(world, 60))
    restored = policies.get(policy.name, rng=np.random.default_rng(15), **policy.params)
    restored.load(policy.save())
    context = world.context_for("B", np.random.default_rng(16))
    candidates = [*world.offers, _NEW]
    assert restored.rank(context, candidates) == policy.rank(context, candidates)
    assert restored.rank(context, candidates).probabilities[4] >= 0.2 - 1e-12


def test_bare_vw_model_bytes_load_and_rank_the_same_without_young_offers(world):
    policy = policies.get("vw", rng=np.random.default_rng(17))
    policy.learn(world.logged_events(300, np.random.default_rng(18)))
    restored = policies.get("vw", rng=np.random.default_rng(19))
    restored.load(policy.vw_model())
    context = world.context_for("A", np.random.default_rng(20))
    assert restored.rank(context, world.offers) == policy.rank(context, world.offers)


@pytest.mark.parametrize(
    "data",
    [b"nba-vw/1", b"nba-vw/1\x00\x00\x00\x05{bad}", b'nba-vw/1\x00\x00\x00\x0e{"tries": [1]}'],
)
def test_a_corrupt_cold_start_header_is_an_invalid_model(data):
    with pytest.raises(InvalidModel, match="data"):
        policies.get("vw").load(data)


_DATA = Path(__file__).parent / "data"


def test_a_model_saved_in_the_first_nba_vw_format_loads_and_ranks_as_it_did():
    # Bytes and ranking written by data/make_vw_nba_v1.py with the code of commit cebc897.
    saved = json.loads((_DATA / "vw_nba_v1.json").read_text())
    policy = policies.get(saved["policy"], rng=np.random.default_rng(0), **saved["params"])
    policy.load((_DATA / "vw_nba_v1.bin").read_bytes())
    context = Context(
        saved["context"]["churn_score"], freeze_features(saved["context"]["features"])
    )
    candidates = [
        Candidate(c["offer_id"], c["category"], freeze_features(c["features"]))
        for c in saved["candidates"]
    ]
    ranking = policy.rank(context, candidates)
    assert ranking.probabilities == tuple(saved["probabilities"])
    assert ranking.scores == tuple(saved["scores"])
    assert ranking.probabilities[3] == 0.2  # the new offer's floor: the counts came back too


def test_a_three_letter_interaction_builds_a_cubic_model(world):
    # Offer 0 pays only when exactly one of "segment A" and "VIP" holds: an XOR of two shared
    # features, which shared-by-action terms cannot fit and shared-pair-by-action terms can.
    def customer(segment: str, vip: bool, tenure: int = 12) -> Context:
        return Context(0.5, freeze_features({"segment": segment, "tenure_months": tenure,
                                             "is_vip": vip}))  # fmt: skip

    rng = np.random.default_rng(25)
    events = []
    for _ in range(1000):
        segment, vip = str(rng.choice(["A", "B"])), bool(rng.random() < 0.5)
        chosen = int(rng.integers(len(world.offers)))
        pays = chosen == 0 and (segment == "A") != vip
        reward = float(rng.random() < (0.9 if pays else 0.1))
        context = customer(segment, vip, int(rng.integers(1, 60)))
        events.append(Event(context, world.offers, chosen, 0.25, reward))
    gaps = {}
    for interactions in ([], ["ssa"]):
        policy = policies.get("vw", rng=np.random.default_rng(26), interactions=interactions,
                              scores="reward")  # fmt: skip
        policy.learn(events)
        score = {(s, v): policy.rank(customer(s, v), world.offers).scores[0]
                 for s in "AB" for v in (False, True)}  # fmt: skip
        paying = min(score["A", False], score["B", True])
        gaps[len(interactions)] = paying - max(score["A", True], score["B", False])
    assert gaps[1] > 0.3  # the cubic model tells the paying customers apart
    assert gaps[0] < 0.0  # the quadratic one cannot


def test_offers_of_a_fresh_model_get_the_start_floor_only_when_asked(world):
    context = world.context_for("A", np.random.default_rng(22))
    events = [e for e in world.logged_events(400, np.random.default_rng(23)) if e.chosen != 3]
    for start, floored in ((0.0, False), (0.1, True)):
        policy = policies.get("vw", rng=np.random.default_rng(24), start_probability=start)
        policy.learn(events)  # no_action (index 3) never tried
        assert (policy.rank(context, world.offers).probabilities[3] >= 0.1 - 1e-12) == floored
