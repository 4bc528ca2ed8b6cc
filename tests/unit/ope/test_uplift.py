"""Uplift over no_action per offer and band, judged against the simulated world's truth."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from nba.ope.uplift import (
    NO_CLEAR_EFFECT,
    SAVES,
    SLEEPING_DOG,
    TOO_LITTLE_DATA,
    estimate_uplift,
)
from nba.uplift import flags_from_state
from nba.uplift.data import retention_log
from nba.uplift.report import UpliftReport, build_report
from tests.uplift_world import ACCEPT, simulate, true_uplift, world_frame

NOW = datetime(2026, 7, 1, tzinfo=UTC)


def _report(n: int, seed: int, **options):
    log_rng, model_rng = np.random.default_rng(seed).spawn(2)
    frame = world_frame(simulate(n, log_rng))
    log = retention_log(frame, "retention_value", 100.0)
    return build_report(
        log, reward="retention_value", computed_at=NOW, rng=model_rng, **options
    ), log


def _cell(report, offer: str, band: str):
    return next(c for c in report.cells if c.offer_id == offer and c.band == band)


@pytest.fixture(scope="module")
def report():
    return _report(8000, 20261201)[0]


def test_the_sleeping_dog_and_the_saver_are_told_apart_with_intervals_covering_the_truth(report):
    assert report.estimator == "dr"
    saver, dog = _cell(report, "discount", "high"), _cell(report, "upsell", "low")
    assert saver.verdict == SAVES and saver.ci_low > 0
    assert dog.verdict == SLEEPING_DOG and dog.ci_high < 0
    for cell in (saver, dog):
        assert cell.ci_low <= true_uplift(cell.offer_id, cell.band) <= cell.ci_high
    flagged = [(c.offer_id, c.band) for c in report.flagged]
    assert ("upsell", "low") in flagged and ("discount", "high") not in flagged
    assert all(true_uplift(offer, band) < 0 for offer, band in flagged)


def test_an_offer_accepted_often_that_keeps_no_one_is_not_called_a_saver(report):
    loyalty = [c for c in report.cells if c.offer_id == "loyalty"]
    assert all(c.verdict in (NO_CLEAR_EFFECT, SLEEPING_DOG) for c in loyalty[:2])
    for cell in loyalty:
        assert cell.acceptance_rate == pytest.approx(ACCEPT["loyalty"], abs=0.06)


def test_the_paired_intervals_cover_the_true_uplift_in_about_95_percent_of_cells():
    covered = []
    for seed in range(15):
        report, _ = _report(2000, seed)
        covered += [c.ci_low <= true_uplift(c.offer_id, c.band) <= c.ci_high for c in report.cells]
    assert 0.88 <= np.mean(covered) <= 0.99


def test_the_dr_uplift_is_the_mean_of_the_per_row_doubly_robust_differences():
    rng = np.random.default_rng(5)
    n, k = 400, 3
    action = rng.integers(0, k, n)
    pscore = np.full(n, 1 / k)
    reward = rng.normal(size=n) + (action == 1)
    q = rng.normal(size=(n, k))
    cells = estimate_uplift(
        reward, action, pscore, np.full((n, k), 1 / k), np.ones((n, k), bool), ["all"] * n,
        ["no_action", "x", "y"], estimated_rewards=q, min_ess=10,
    )  # fmt: skip
    by_hand = [
        q[i, 1]
        - q[i, 0]
        + (action[i] == 1) / pscore[i] * (reward[i] - q[i, 1])
        - (action[i] == 0) / pscore[i] * (reward[i] - q[i, 0])
        for i in range(n)
    ]
    assert cells[0].offer_id == "x"
    assert cells[0].uplift == pytest.approx(np.mean(by_hand))
    se = np.std(by_hand, ddof=1) / np.sqrt(n)
    assert cells[0].ci_high - cells[0].ci_low == pytest.approx(2 * 1.959964 * se, rel=1e-4)


def test_thin_support_gives_no_figure_and_says_why():
    report, _ = _report(600, 3, min_ess=500)
    assert {c.verdict for c in report.cells} == {TOO_LITTLE_DATA}
    cell = report.cells[0]
    assert np.isnan(cell.uplift) and cell.as_dict()["uplift"] is None
    assert "effective sample size" in cell.why and "below 500" in cell.why
    assert "too thin everywhere" in (report.note or "")


def test_without_enough_answers_for_a_reward_model_snips_is_used_and_named():
    report, _ = _report(90, 4, min_ess=5)
    assert report.estimator == "snips"
    assert {c.estimator for c in report.cells} == {"snips"}
    assert "SNIPS" in report.as_dict()["estimator_words"]


def test_an_offer_never_eligible_beside_no_action_in_a_band_is_not_called():
    n = 200
    rng = np.random.default_rng(2)
    eligible = np.ones((n, 2), bool)
    bands = np.where(np.arange(n) < 100, "low", "high")
    eligible[bands == "high", 1] = False
    logging = np.where(eligible, 1.0, 0.0) / eligible.sum(axis=1, keepdims=True)
    action = np.where(eligible[:, 1], rng.integers(0, 2, n), 0)
    cells = estimate_uplift(
        rng.random(n), action, logging[np.arange(n), action], logging, eligible, bands,
        ["no_action", "x"], band_names=["low", "high"], min_ess=10,
    )  # fmt: skip
    high = cells[1]
    assert high.band == "high" and high.rows == 0 and high.verdict == TOO_LITTLE_DATA
    assert "never both eligible" in high.why


def test_a_stored_report_reads_back_as_it_was_written(report):
    assert UpliftReport.from_dict(report.as_dict()).as_dict() == report.as_dict()
    thin, _ = _report(300, 1, min_ess=500)
    assert UpliftReport.from_dict(thin.as_dict()).as_dict() == thin.as_dict()


def test_the_guard_reads_only_well_formed_confidently_negative_flags():
    def cell(**changes):
        return {"offer_id": "upsell", "band": "low", "uplift": -40.0, "ci_low": -50.0,
                "ci_high": -30.0, "is_flagged": True, **changes}  # fmt: skip

    stored = {"report": {"computed_at": "2026-07-01T00:00:00+00:00", "cells": [
        cell(), cell(band="high", ci_high=1.0), cell(band="medium", uplift=None),
        cell(offer_id="loyalty", is_flagged=False), "not a cell",
    ]}}  # fmt: skip
    (flag,) = flags_from_state(stored)
    assert (flag.offer_id, flag.band) == ("upsell", "low")
    assert flag.reason == (
        "uplift guard: in the low churn band offering upsell is estimated to lose 40.00 per "
        "customer against no action (95% interval -50.00 to -30.00, computed 2026-07-01 00:00 UTC)"
    )
    assert flags_from_state(None) == () and flags_from_state({"report": "junk"}) == ()
