"""Any JSON a caller sends as features either is refused with InvalidRankRequest or ranks:
no text reaches VW's parser as syntax, and the served probabilities sum to 1."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import policies
from nba.personalizer import PersonalizerError
from nba.personalizer.learning_settings import LearningSettings
from nba.personalizer.requests import parse_rank

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
HOSTILE = st.one_of(TEXT, st.sampled_from(["|b evil", "a:1,5", " ", "", "\r\n", "shared |s x",
                                            "%", "=", "offer", "churn"]))  # fmt: skip
SCALAR = st.one_of(st.none(), st.booleans(), HOSTILE,
                   st.floats(allow_nan=True, allow_infinity=True), st.integers())  # fmt: skip
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(HOSTILE, inner, max_size=3)),
                     max_leaves=8)  # fmt: skip
OBJECTS = st.lists(st.dictionaries(HOSTILE, VALUE, min_size=1, max_size=3), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def policy():
    params = LearningSettings.default().policy_params(0.0)
    return policies.get("vw", rng=np.random.default_rng(3), **params)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(context=OBJECTS, first=OBJECTS, second=OBJECTS)
def test_any_feature_json_is_refused_cleanly_or_ranked(policy, context, first, second):
    body = {"contextFeatures": context, "actions": [{"id": "a", "features": first},
                                                    {"id": "b", "features": second}]}  # fmt: skip
    try:
        request = parse_rank(body)
    except PersonalizerError as error:
        assert error.code == "InvalidRankRequest"
        return
    ranking = policy.rank(policies.Context(0.0, request.features),
                          [a.candidate() for a in request.actions])  # fmt: skip
    assert sum(ranking.probabilities) == pytest.approx(1.0)
