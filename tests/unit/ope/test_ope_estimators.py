"""Estimators against plain loop references, and their limiting cases."""

from __future__ import annotations

import math

import pytest

from nba.ope import ESTIMATORS, make_batch
from nba.ope.estimators import cips, dm, dr, dr_os, ips, sndr, snips, switch_dr
from nba.ope.terms import decompose
from nba.ope.tuning import estimated_mse, lambda_grid, select_lambda


def _weights(a):
    return [a.action_dist[i][a.action[i]] / a.pscore[i] for i in range(len(a.reward))]


def _q_pi(a, i):
    return sum(p * q for p, q in zip(a.action_dist[i], a.estimated_rewards[i], strict=True))


def reference_ips(a):
    w = _weights(a)
    return math.fsum(w[i] * a.reward[i] for i in range(len(w))) / len(w)


def reference_snips(a):
    w = _weights(a)
    return math.fsum(w[i] * a.reward[i] for i in range(len(w))) / math.fsum(w)


def reference_dr_family(a, shrink):
    """mean(q_pi + shrink(w) (r - q)) written out row by row."""
    total = 0.0
    for i, w in enumerate(_weights(a)):
        residual = a.reward[i] - a.estimated_rewards[i][a.action[i]]
        total += _q_pi(a, i) + shrink(w) * residual
    return total / len(a.reward)


def reference_sndr(a):
    w = _weights(a)
    n = len(w)
    dm_part = math.fsum(_q_pi(a, i) for i in range(n)) / n
    correction = math.fsum(
        w[i] * (a.reward[i] - a.estimated_rewards[i][a.action[i]]) for i in range(n)
    )
    return dm_part + correction / math.fsum(w)


def _batch(a):
    return make_batch(a.reward, a.action, a.pscore, a.action_dist, a.estimated_rewards)


def test_ips_and_snips_match_loop_references(arrays):
    b = _batch(arrays)
    assert ips(b) == pytest.approx(reference_ips(arrays), abs=1e-9)
    assert snips(b) == pytest.approx(reference_snips(arrays), abs=1e-9)


def test_dr_family_matches_loop_references_given_the_same_model(arrays):
    b = _batch(arrays)
    assert dm(b) == pytest.approx(reference_dr_family(arrays, lambda w: 0.0), abs=1e-9)
    assert dr(b) == pytest.approx(reference_dr_family(arrays, lambda w: w), abs=1e-9)
    assert sndr(b) == pytest.approx(reference_sndr(arrays), abs=1e-9)
    switched = reference_dr_family(arrays, lambda w: w if w <= 2.0 else 0.0)
    assert switch_dr(b, lambda_=2.0) == pytest.approx(switched, abs=1e-9)
    shrunk = reference_dr_family(arrays, lambda w: 3.0 * w / (w * w + 3.0))
    assert dr_os(b, lambda_=3.0) == pytest.approx(shrunk, abs=1e-9)


def test_clipped_ips_matches_loop_reference(arrays):
    w = _weights(arrays)
    expected = math.fsum(min(wi, 1.5) * r for wi, r in zip(w, arrays.reward, strict=True))
    assert cips(_batch(arrays), lambda_=1.5) == pytest.approx(expected / len(w), abs=1e-9)


def test_tuned_estimators_reduce_to_dr_and_dm_at_the_ends_of_their_range(arrays):
    b = _batch(arrays)
    assert switch_dr(b, lambda_=math.inf) == pytest.approx(dr(b), abs=1e-12)
    assert dr_os(b, lambda_=math.inf) == pytest.approx(dr(b), abs=1e-12)
    assert dr_os(b, lambda_=0.0) == pytest.approx(dm(b), abs=1e-12)
    assert cips(b, lambda_=math.inf) == pytest.approx(ips(b), abs=1e-12)


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_every_decomposition_gives_the_estimator_value(arrays, name):
    b = _batch(arrays)
    lam = 2.0 if name in ("cips", "switch_dr", "dr_os") else None
    expected = ESTIMATORS[name](b, lambda_=lam) if lam else ESTIMATORS[name](b)
    assert decompose(name, b, lam).value == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("name", ["cips", "switch_dr", "dr_os"])
def test_default_lambda_minimises_the_estimated_mse_over_its_grid(arrays, name):
    b = _batch(arrays)
    chosen = select_lambda(name, b)
    grid = lambda_grid(name, b.weight)
    assert chosen in grid and math.inf in grid
    scores = [estimated_mse(name, b, lam) for lam in grid]
    assert estimated_mse(name, b, chosen) == min(scores)
    assert estimated_mse(name, b, chosen) <= estimated_mse(name, b, math.inf)


def test_model_based_estimator_without_estimated_rewards_names_the_field(arrays):
    b = make_batch(arrays.reward, arrays.action, arrays.pscore, arrays.action_dist)
    with pytest.raises(Exception, match="estimated_rewards") as caught:
        dr(b)
    assert caught.value.field == "estimated_rewards"
