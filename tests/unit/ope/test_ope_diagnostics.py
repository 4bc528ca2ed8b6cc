"""Weight diagnostics, and the warning on offers the logging policy never supported."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from nba.ope import diagnose, evaluate, make_batch


def test_candidate_equal_to_logging_policy_has_full_ess_and_unit_weights(arrays):
    b = make_batch(arrays.reward, arrays.action, arrays.pscore, arrays.logging_dist)
    d = diagnose(b, arrays.logging_dist)
    assert d.ess == pytest.approx(b.n)
    assert d.max_weight == pytest.approx(1.0) and d.mean_weight == pytest.approx(1.0)
    assert d.unsupported_share == 0.0 and d.support_known


def test_mass_on_unsupported_offers_is_counted_with_the_logging_distribution(arrays):
    logging_dist = arrays.logging_dist.copy()
    logging_dist[:50, :] = 0.0
    logging_dist[np.arange(50), arrays.action[:50]] = 1.0
    b = make_batch(arrays.reward, arrays.action, np.ones(500), arrays.action_dist)
    assert diagnose(b, logging_dist).unsupported_share == pytest.approx(0.1)


def test_without_logging_distribution_deterministic_rows_give_a_lower_bound(arrays, caplog):
    pscore = arrays.pscore.copy()
    pscore[:25] = 1.0
    with caplog.at_level(logging.WARNING, logger="nba.ope.evaluate"):
        (estimate,) = evaluate(
            arrays.reward,
            arrays.action,
            pscore,
            arrays.action_dist,
            estimators=["ips"],
            n_bootstrap=0,
        )
    assert estimate.unsupported_share == pytest.approx(0.05)
    assert not estimate.support_known
    assert "lower bound" in caplog.text
