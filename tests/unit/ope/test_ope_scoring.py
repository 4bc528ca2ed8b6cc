"""Stored decisions become an OPE log, and a policy scores it with the offers it saw."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

import policies
from nba.domain import Decision, EligibleOffer
from nba.errors import InvalidInput
from nba.ope import from_decisions, score

OFFERS = (
    EligibleOffer("discount_10", 1, "discount", (("discount_pct", 10),)),
    EligibleOffer("loyalty", 2, "loyalty"),
    EligibleOffer("no_action", 1, "none"),
)


def _decisions(n: int, rng: np.random.Generator) -> list[tuple[Decision, float]]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = []
    for i in range(n):
        eligible = OFFERS if i % 2 else OFFERS[1:]
        probabilities = tuple(rng.dirichlet(np.ones(len(eligible))))
        chosen = int(rng.integers(len(eligible)))
        decision = Decision(
            id=f"d{i}",
            ts=start + timedelta(minutes=i),
            customer_id=f"c{i}",
            churn_score=0.9,
            context=(("tenure_months", 12 + i), ("plan", "gold")),
            channel=None,
            eligible=eligible,
            probabilities=probabilities,
            scores=(0.0,) * len(eligible),
            chosen=eligible[chosen].offer_id,
            propensity=probabilities[chosen],
            policy="rules",
            model_version=None,
        )
        rows.append((decision, float(rng.random() < 0.3)))
    return rows


def test_stored_decisions_become_arrays_over_the_sorted_offer_ids(rng):
    rows = _decisions(40, rng)
    data = from_decisions(rows)
    assert data.offer_ids == ("discount_10", "loyalty", "no_action") and data.n == 40
    for i, (decision, reward) in enumerate(rows):
        column = {o: j for j, o in enumerate(data.offer_ids)}
        assert data.offer_ids[data.action[i]] == decision.chosen
        assert data.pscore[i] == decision.propensity and data.reward[i] == reward
        for offer, p in zip(decision.eligible, decision.probabilities, strict=True):
            assert data.logging_dist[i, column[offer.offer_id]] == p
        assert data.eligible[i].sum() == len(decision.eligible)
    assert data.offer_snapshots == tuple(d.eligible for d, _ in rows)
    assert data.contexts()[3] == {"tenure_months": 15, "plan": "gold"}


def test_a_stored_propensity_that_is_not_the_chosen_probability_is_rejected(rng):
    rows = _decisions(5, rng)
    first, reward = rows[0]
    rows[0] = (replace(first, propensity=first.propensity / 2), reward)
    with pytest.raises(InvalidInput, match="propensity") as raised:
        from_decisions(rows)
    assert raised.value.details["decision_ids"] == ["d0"]


def test_scoring_offers_each_row_its_logged_snapshots(rng):
    data = from_decisions(_decisions(20, rng))
    rules = policies.get("rules", rng=rng, epsilon=0.1)
    dist = score(rules, data)
    np.testing.assert_allclose(dist.sum(axis=1), 1.0)
    with_discount = data.eligible[:, 0]
    # High churn: the rules prefer the discount category, known only from the snapshots.
    np.testing.assert_allclose(dist[with_discount, 0], 0.9 + 0.1 / 3)
    np.testing.assert_allclose(dist[~with_discount, 1:], 0.5)
    ids_only = score(rules, replace(data, offer_snapshots=None))
    np.testing.assert_allclose(ids_only[with_discount], 1 / 3)
    by_catalog = score(
        rules, replace(data, offer_snapshots=None), categories={"loyalty": "discount"}
    )
    np.testing.assert_allclose(by_catalog[with_discount, 1], 0.9 + 0.1 / 3)


def test_ranking_only_never_teaches_the_policy(rng):
    data = from_decisions(_decisions(60, rng))
    learner = policies.get("lints", rng=np.random.default_rng(3))
    before = learner.save()
    score(learner, data)
    assert learner.save() == before
    score(learner, data, learn_every=10)
    assert learner.save() != before


def test_progress_counts_every_row_once(rng):
    data = from_decisions(_decisions(30, rng))
    for learn_every in (None, 7):
        done: list[int] = []
        score(policies.get("rules", rng=rng), data, learn_every=learn_every, progress=done.append)
        assert sum(done) == 30
