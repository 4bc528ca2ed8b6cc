"""Bootstrap weights, folds and features depend on a row's place in the log, not on the split."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nba.ope.features import FieldCounts, encode, field_counts, make_plan, plan_of, text_counts
from nba.ope.intervals import BLOCK_ROWS, bootstrap_sums
from nba.ope.logs import from_frame
from nba.ope.reward_model import FOLD_BLOCK_ROWS, fold_of_rows
from nba.ope.synthetic import decision_log

SPLITS = [[0, 1, 5000, 9000], [0, BLOCK_ROWS - 1, BLOCK_ROWS + 1, 9000], [0, 9000]]


@pytest.mark.parametrize("scheme", ["mammen", "poisson"])
def test_bootstrap_sums_of_the_parts_add_up_to_the_whole(rng, scheme):
    terms = rng.standard_normal((9000, 3))
    means = terms.mean(axis=0)
    whole = bootstrap_sums(terms, means, 0, 40, 123, scheme)
    for edges in SPLITS:
        parts = sum(
            bootstrap_sums(terms[a:b], means, a, 40, 123, scheme)
            for a, b in itertools.pairwise(edges)
        )
        np.testing.assert_allclose(parts, whole, rtol=1e-12, atol=1e-9)


def test_folds_of_the_parts_are_the_folds_of_the_whole_and_balanced():
    n = FOLD_BLOCK_ROWS + 5000
    whole = fold_of_rows(0, n, n, 5, 77)
    parts = np.concatenate([fold_of_rows(a, b - a, n, 5, 77) for a, b in [(0, 3), (3, n)]])
    np.testing.assert_array_equal(parts, whole)
    counts = np.bincount(whole[:FOLD_BLOCK_ROWS], minlength=5)
    assert counts.max() - counts.min() <= 1


def test_a_small_log_has_every_fold():
    assert set(fold_of_rows(0, 5, 5, 5, 3).tolist()) == {0, 1, 2, 3, 4}


def test_parts_encode_their_rows_as_the_whole_log_does():
    data = from_frame(decision_log(600, np.random.default_rng(8)))
    table = data.feature_table()
    pieces = [table.iloc[:1], table.iloc[1:250], table.iloc[250:]]
    counts = FieldCounts()
    for piece in pieces:
        counts = counts.add(field_counts(piece))
    texts = sum(
        (text_counts(p, counts.text_fields()) for p in pieces), start=text_counts(table, [])
    )
    plan = make_plan(counts, texts)
    assert plan == plan_of(table)
    whole = encode(table, plan)
    np.testing.assert_allclose(np.vstack([encode(p, plan) for p in pieces]), whole, rtol=1e-12)
    assert whole.shape[1] == 4  # churn score, tenure, and the two plans one-hot
