"""The uplift guard: an offer whose stored uplift is confidently negative in a churn band is left
out of decisions for that band when NBA_UPLIFT_GUARD is on, with the rule named; never
no_action, never every offer; the stored report is refreshed only when answers came."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from nba.config import Settings
from nba.ope.uplift import SLEEPING_DOG
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from nba.uplift.data import retention_log
from nba.uplift.report import UpliftReport, build_report
from tests.databases import SQLITE_ONLY
from tests.uplift_world import CATALOG, simulate, store_world, world_frame

pytestmark = SQLITE_ONLY
CHURN = {"low": 0.1, "medium": 0.45, "high": 0.8}


@pytest.fixture(scope="module")
def world_report() -> UpliftReport:
    log_rng, model_rng = np.random.default_rng(20261201).spawn(2)
    frame = world_frame(simulate(8000, log_rng))
    log = retention_log(frame, "retention_value", 100.0)
    now = datetime(2026, 7, 1, tzinfo=UTC)
    return build_report(log, reward="retention_value", computed_at=now, rng=model_rng)


def _runtime(settings: Settings, **update: object) -> Iterator[Runtime]:
    built = build_runtime(settings.model_copy(update={"offer_cache_s": 0, **update}))
    for spec in CATALOG:
        built.catalog.add(spec)
    yield built
    built.close()


@pytest.fixture
def guarded(settings: Settings) -> Iterator[Runtime]:
    yield from _runtime(settings, uplift_guard=True)


@pytest.fixture
def unguarded(settings: Settings) -> Iterator[Runtime]:
    yield from _runtime(settings)


def _decide(runtime: Runtime, band: str, **request: object):
    return runtime.decider.decide(DecisionRequest("c1", CHURN[band], **request)).decision


def test_with_the_guard_off_a_flagged_offer_is_still_served(unguarded, world_report):
    assert ("upsell", "low") in [(c.offer_id, c.band) for c in world_report.flagged]
    unguarded.uplift.store(world_report)
    decision = _decide(unguarded, "low")
    assert "upsell" in [e.offer_id for e in decision.eligible]
    assert not any(e.reason.startswith("uplift guard:") for e in decision.excluded)
    assert "is off" in unguarded.uplift.guard().words


def test_with_the_guard_on_a_sleeping_dog_is_left_out_of_its_band_only(guarded, world_report):
    guarded.uplift.store(world_report)
    flagged = {(c.offer_id, c.band) for c in world_report.flagged}
    for band in CHURN:
        decision = _decide(guarded, band)
        eligible = {e.offer_id for e in decision.eligible}
        held = {e.offer_id: e.reason for e in decision.excluded}
        assert "no_action" in eligible
        for offer in ("discount", "loyalty", "upsell"):
            if (offer, band) in flagged:
                assert offer not in eligible
                assert held[offer].startswith(f"uplift guard: in the {band} churn band")
            else:
                assert offer in eligible and offer not in held
    assert "upsell in the low band" in guarded.uplift.guard().words
    assert guarded.decider.uplift_guard_holds() == len({band for _, band in flagged})


def test_the_recorded_reason_gives_the_estimate_and_its_interval(guarded, world_report):
    guarded.uplift.store(world_report)
    dog = next(c for c in world_report.flagged if (c.offer_id, c.band) == ("upsell", "low"))
    (reason,) = [e.reason for e in _decide(guarded, "low").excluded if e.offer_id == "upsell"]
    assert f"lose {-dog.uplift:.2f} per customer" in reason
    assert f"{dog.ci_low:+.2f} to {dog.ci_high:+.2f}" in reason


def _everything_flagged_in_low(report: UpliftReport) -> UpliftReport:
    cells = tuple(
        replace(c, verdict=SLEEPING_DOG, uplift=-5.0, ci_low=-9.0, ci_high=-1.0)
        if c.band == "low"
        else c
        for c in report.cells
    )
    return replace(report, cells=cells)


def test_the_guard_may_leave_only_no_action_but_never_leaves_it_out(guarded, world_report):
    guarded.uplift.store(_everything_flagged_in_low(world_report))
    decision = _decide(guarded, "low")
    assert [e.offer_id for e in decision.eligible] == ["no_action"]


def test_the_guard_never_leaves_every_offer_out(settings, world_report):
    for runtime in _runtime(settings, uplift_guard=True, no_action_enabled=False):
        runtime.uplift.store(_everything_flagged_in_low(world_report))
        decision = _decide(runtime, "low")
        assert {e.offer_id for e in decision.eligible} == {"discount", "loyalty", "upsell"}
        assert not any(e.reason.startswith("uplift guard:") for e in decision.excluded)


def test_the_scheduled_refresh_stores_the_report_and_skips_when_no_answer_came(settings):
    for runtime in _runtime(settings, uplift_window_days=3650, uplift_min_ess=20):
        store_world(runtime.database, simulate(400, np.random.default_rng(8)))
        first = runtime.uplift.refresh()
        assert first is not None and first.rows == 400
        assert runtime.uplift.guard().computed_at == first.as_dict()["computed_at"]
        assert runtime.uplift.refresh() is None
        assert runtime.uplift.refresh(force=True) is not None
