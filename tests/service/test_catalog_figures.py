"""The catalog's figures: from the daily summaries, the same counts as the log's statistics and
the budget check, and the same as the offer's dashboard shows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.errors import InvalidInput
from nba.evaluation.stats import offer_stats
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import offer_budget_used
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


def _summarised(runtime: Runtime, clock: ManualClock) -> None:
    """Let the settle time pass and run the summaries job, as the scheduler would."""
    clock.advance(timedelta(seconds=runtime.settings.evaluation.summary_settle_s + 1))
    runtime.summaries.refresh()


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


def test_figures_add_up_as_the_log_statistics_and_the_dashboard_do(
    timed: Runtime, clock: ManualClock
) -> None:
    offers = ("discount_10", "loyalty")
    _decide(timed, 30, offer_ids=offers, accept_every=2)
    clock.advance(timedelta(days=40))
    _decide(timed, 20, offer_ids=offers, accept_every=3)
    clock.advance(timedelta(days=10))
    _decide(timed, 10, offer_ids=offers, accept_every=4)
    _summarised(timed, clock)
    figures = {f.offer.id: f for f in timed.figures.offers()}
    for offer_id in offers:
        board = timed.insights.offer_dashboard(offer_id, 30)
        assert board.overall == figures[offer_id].periods[1].rate
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
    _summarised(timed, clock)
    figures = timed.figures.offer("discount_10")
    with timed.database.session(readonly=True) as session:
        accepts, spent = offer_budget_used(session, ["discount_10"])["discount_10"]
    assert figures.all_time.rate.accepts == accepts == 12
    assert figures.all_time.spend == spent == 8 * 5.0 + 4 * 50.0
    assert figures.budget is not None and figures.budget.money_share == spent / 10_000
    assert figures.periods[2].spend == 4 * 50.0  # the last 7 days: today's accepts


def test_a_used_up_budget_is_closed_and_decisions_no_longer_offer_the_offer(
    timed: Runtime, clock: ManualClock
) -> None:
    timed.catalog.edit("loyalty", {"caps": {"budget_accepts": 2}})
    _decide(timed, 3, offer_ids=("loyalty",), accept_every=1)
    _summarised(timed, clock)
    budget = timed.figures.offer("loyalty").budget
    assert budget is not None
    assert (budget.accepts, budget.budget_accepts, budget.is_open) == (2, 2, False)
    request = DecisionRequest("later", 0.5, (("tenure_months", 30),), offer_ids=("loyalty",))
    assert timed.decider.decide(request).decision.chosen != "loyalty"


def test_figures_are_as_of_the_last_summaries_run(timed: Runtime, clock: ManualClock) -> None:
    assert timed.figures.as_of() is None
    assert timed.figures.offer("discount_10").all_time.rate.shows == 0
    _decide(timed, 8, offer_ids=("discount_10",), accept_every=2)
    assert timed.figures.offer("discount_10").all_time.rate.shows == 0  # not taken in yet
    _summarised(timed, clock)
    as_of = timed.figures.as_of()
    assert as_of is not None and as_of <= clock()
    assert timed.figures.offer("discount_10").all_time.rate.shows == 8


def test_a_status_that_does_not_exist_is_refused_naming_the_field(timed: Runtime) -> None:
    with pytest.raises(InvalidInput) as refused:
        timed.figures.offers("sleeping")
    assert refused.value.field == "status"
