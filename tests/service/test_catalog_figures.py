"""The catalog's figures: the same counts as the log's statistics and the budget check, whether
a day comes from the daily summary or from the log itself."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.errors import InvalidInput
from nba.evaluation.catalog_figures import CatalogFigures
from nba.evaluation.stats import offer_stats
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import offer_budget_used, offer_days
from tests.clock import ManualClock
from tests.conftest import SAMPLE_OFFERS


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def timed(settings: Settings, clock: ManualClock) -> Iterator[Runtime]:
    """A runtime with the sample offers on a clock the test moves forward."""
    built = build_runtime(settings, clock)
    for spec in SAMPLE_OFFERS:
        built.catalog.add(spec)
    yield built
    built.close()


def _decide(runtime: Runtime, n: int, *, offer_ids: tuple[str, ...], accept_every: int) -> None:
    """`n` decisions among `offer_ids`; every `accept_every`-th gets an accept, the others a
    decline, except every fifth, which stays unanswered."""
    for i in range(n):
        request = DecisionRequest(f"c{i}", 0.5, (("tenure_months", 30),), offer_ids=offer_ids)
        decision = runtime.decider.decide(request).decision
        if i % 5 != 4:
            accepted = i % accept_every == 0
            report = FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted)
            runtime.feedback.record(report)


def test_figures_add_up_the_summary_and_today_as_the_log_statistics_do(
    timed: Runtime, clock: ManualClock
) -> None:
    offers = ("discount_10", "loyalty")
    _decide(timed, 30, offer_ids=offers, accept_every=2)
    clock.advance(timedelta(days=40))
    _decide(timed, 20, offer_ids=offers, accept_every=3)
    clock.advance(timedelta(days=10))
    _decide(timed, 10, offer_ids=offers, accept_every=4)
    figures = {f.offer.id: f for f in timed.figures.offers()}
    with timed.database.session(readonly=True) as session:
        until = offer_days.summarised_until(session)
    assert until is not None and until >= (clock() - timedelta(days=2)).date()
    shows = {"last 30 days": 0, "last 7 days": 0}
    for offer_id in offers:
        logged = offer_stats(timed.database, offer_id).overall
        all_time = figures[offer_id].all_time.rate
        assert (all_time.shows, all_time.answered, all_time.accepts) == (
            logged.shows, logged.answered, logged.accepts,
        )  # fmt: skip
        assert all_time.rate == logged.rate and all_time.ci_low == logged.ci_low
        for period in figures[offer_id].periods[1:]:
            shows[period.label] += period.rate.shows
    assert shows == {"last 30 days": 30, "last 7 days": 10}


def test_spend_costs_each_accept_at_its_version_as_the_budget_check_does(
    timed: Runtime, clock: ManualClock
) -> None:
    _decide(timed, 10, offer_ids=("discount_10",), accept_every=1)
    timed.catalog.edit("discount_10", {"cost": 50.0, "caps": {"budget_money": 10_000.0}})
    clock.advance(timedelta(days=10))
    _decide(timed, 5, offer_ids=("discount_10",), accept_every=1)
    figures = timed.figures.offer("discount_10")
    with timed.database.session(readonly=True) as session:
        accepts, spent = offer_budget_used(session, ["discount_10"])["discount_10"]
    assert figures.all_time.rate.accepts == accepts == 12
    assert figures.all_time.spend == spent == 8 * 5.0 + 4 * 50.0
    assert figures.budget is not None and figures.budget.money_share == spent / 10_000
    assert figures.periods[2].spend == 4 * 50.0  # the last 7 days: today's accepts


def test_a_used_up_budget_is_closed_and_decisions_no_longer_offer_the_offer(
    timed: Runtime,
) -> None:
    timed.catalog.edit("loyalty", {"caps": {"budget_accepts": 2}})
    _decide(timed, 3, offer_ids=("loyalty",), accept_every=1)
    budget = timed.figures.offer("loyalty").budget
    assert budget is not None
    assert (budget.accepts, budget.budget_accepts, budget.is_open) == (2, 2, False)
    request = DecisionRequest("later", 0.5, (("tenure_months", 30),), offer_ids=("loyalty",))
    assert timed.decider.decide(request).decision.chosen != "loyalty"


def test_figures_from_the_log_alone_equal_those_with_the_summary(
    timed: Runtime, clock: ManualClock
) -> None:
    _decide(timed, 20, offer_ids=("discount_10", "loyalty"), accept_every=2)
    clock.advance(timedelta(days=9))
    summarised = timed.figures.offers()
    from_log = CatalogFigures(timed.database, clock)
    with timed.database.session() as session:
        offer_days.set_state(session, offer_days.STATE, {"until": "1970-01-01"})
    assert from_log.offers() == summarised


def test_a_status_that_does_not_exist_is_refused_naming_the_field(timed: Runtime) -> None:
    with pytest.raises(InvalidInput) as refused:
        timed.figures.offers("sleeping")
    assert refused.value.field == "status"
