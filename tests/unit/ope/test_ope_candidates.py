"""Candidate policies give valid distributions over each row's eligible offers."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from nba.errors import InvalidInput
from nba.ope.candidates import LearnerCandidate, parse_candidate
from nba.ope.logs import from_frame
from nba.ope.synthetic import decision_log


@pytest.fixture
def data(rng):
    return from_frame(decision_log(200, rng))


def _valid(dist, data):
    np.testing.assert_allclose(dist.sum(axis=1), 1.0)
    assert (dist[~data.eligible] == 0).all()


def test_uniform_spreads_over_each_rows_eligible_offers(data, rng):
    dist = parse_candidate("random").action_dist(data, rng)
    _valid(dist, data)
    np.testing.assert_allclose(dist.max(axis=1), 1.0 / data.eligible.sum(axis=1))


def test_rules_file_puts_one_minus_epsilon_on_the_bands_offers(data, rng, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "epsilon: 0.2\npreferences:\n  low: [no_action]\n  medium: [offer_1]\n"
        "  high: [retention]\ncategories:\n  offer_4: retention\n"
    )
    dist = parse_candidate(f"rules:{rules}").action_dist(data, rng)
    _valid(dist, data)
    high = (data.churn_score >= 0.6) & data.eligible[:, 4]
    k = data.eligible[high].sum(axis=1)
    np.testing.assert_allclose(dist[high, 4], 0.8 + 0.2 / k)


def test_table_candidate_pivots_probabilities_onto_the_log(data, rng, tmp_path):
    rows = [
        {"decision_id": d, "offer_id": "no_action", "probability": 1.0}
        for d in data.frame["decision_id"]
    ]
    path = tmp_path / "probs.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    dist = parse_candidate(f"table:{path}").action_dist(data, rng)
    assert (dist[:, 0] == 1.0).all()
    pd.DataFrame(rows[:-1]).to_csv(path, index=False)
    with pytest.raises(InvalidInput, match="have no probabilities"):
        parse_candidate(f"table:{path}").action_dist(data, rng)


def test_progressive_validation_never_scores_a_row_with_its_own_or_later_rewards(rng):
    data = from_frame(decision_log(40, np.random.default_rng(3)))
    candidate = LearnerCandidate("lints", name="lints")
    before = candidate.action_dist(data, np.random.default_rng(9))
    _valid(before, data)
    flipped = data.reward.copy()
    flipped[20:] = 1 - flipped[20:]
    changed = type(data)(**{**{f: getattr(data, f) for f in data.__slots__}, "reward": flipped})
    after = candidate.action_dist(changed, np.random.default_rng(9))
    np.testing.assert_array_equal(before[:21], after[:21])
    assert not np.allclose(before[21:], after[21:])


def test_saved_model_envelope_and_raw_bytes_give_the_same_probabilities(data, rng, tmp_path):
    import policies

    saved = policies.get("rules", epsilon=0.3).save()
    envelope = tmp_path / "model.json"
    envelope.write_text(
        json.dumps(
            {"policy": "rules", "params": {"epsilon": 0.3},
             "model_b64": base64.b64encode(saved).decode()}
        )
    )  # fmt: skip
    raw = tmp_path / "model.bin"
    raw.write_bytes(saved)
    categories = {"offer_4": "discount"}
    from_envelope = parse_candidate(f"model:{envelope}", categories).action_dist(data, rng)
    from_raw = parse_candidate(f"model:rules:{raw}", categories).action_dist(data, rng)
    _valid(from_envelope, data)
    assert not np.allclose(from_envelope, from_raw)  # raw bytes carry no params: epsilon 0.1


@pytest.mark.parametrize("spec", ["bogus", "table:", "policy:", "model:/no/such/file"])
def test_malformed_specs_are_rejected_naming_policy(spec):
    with pytest.raises(InvalidInput) as caught:
        parse_candidate(spec)
    assert caught.value.field == "policy"
