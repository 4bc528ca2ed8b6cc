"""Budgets in the decision path: a decision reserves its offer's budget, its outcome consumes
or releases it, a per-day budget starts again the next UTC day, and racing threads never
overspend; the offer's stats show the ledger."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest

from nba.config import Settings
from nba.domain import Decision, FeedbackKind, FeedbackReport
from nba.errors import NoEligibleOffer
from nba.evaluation.stats import offer_stats
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from tests.clock import ManualClock

FREE = {"id": "free", "name": "Free", "category": "service", "cost": 0.0}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def served(settings: Settings, clock: ManualClock) -> Iterator[Runtime]:
    """A runtime without no_action on a clock the test moves forward."""
    built = build_runtime(settings.model_copy(update={"no_action_enabled": False}), clock)
    yield built
    built.close()


def _offer(runtime: Runtime, caps: dict[str, float], cost: float = 10.0) -> None:
    runtime.catalog.add(
        {"id": "budgeted", "name": "Budgeted", "category": "discount", "cost": cost, "caps": caps}
    )


def _decide(runtime: Runtime, customer: str = "c") -> Decision:
    return runtime.decider.decide(DecisionRequest(customer, 0.5)).decision


def _outcome(runtime: Runtime, decision: Decision, accepted: bool) -> None:
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted))


def _ledger(runtime: Runtime, clock: ManualClock) -> list[tuple[str, float, float, float]]:
    stats = offer_stats(runtime.database, "budgeted", clock=clock)
    return [(b.scope.split(":", 2)[2], b.limit, b.reserved, b.consumed) for b in stats.budgets]


def test_a_decision_holds_its_offer_until_the_outcome_consumes_or_releases_it(
    served: Runtime, clock: ManualClock
) -> None:
    _offer(served, {"budget_accepts": 2})
    first, second = _decide(served), _decide(served)
    assert first.chosen == second.chosen == "budgeted"
    with pytest.raises(NoEligibleOffer):
        _decide(served)
    assert _ledger(served, clock) == [("accepts", 2.0, 2.0, 0.0)]
    _outcome(served, first, accepted=False)
    _outcome(served, second, accepted=True)
    assert _ledger(served, clock) == [("accepts", 2.0, 0.0, 1.0)]
    assert _decide(served).chosen == "budgeted"
    with pytest.raises(NoEligibleOffer):
        _decide(served)


def test_an_offer_out_of_budget_is_excluded_with_the_reason(served: Runtime) -> None:
    _offer(served, {"budget_money": 25.0}, cost=10.0)
    served.catalog.add(FREE)
    chosen = [_decide(served, f"c{i}") for i in range(40)]
    assert sum(d.chosen == "budgeted" for d in chosen) == 2
    last = chosen[-1]
    assert last.chosen == "free"
    assert [(e.offer_id, e.reason) for e in last.excluded] == [
        (
            "budgeted",
            "budget: 20.00 of 25.00 spent or reserved; one more accept (10.00) would pass it",
        )
    ]


def test_the_default_outcome_releases_the_reservation(
    served: Runtime, settings: Settings, clock: ManualClock
) -> None:
    _offer(served, {"budget_accepts": 1})
    _decide(served)
    clock.advance(timedelta(days=settings.reward.window_days + 1))
    assert served.defaults.apply(FeedbackKind.ACCEPTANCE) == 1
    assert _ledger(served, clock) == [("accepts", 1.0, 0.0, 0.0)]
    assert _decide(served).chosen == "budgeted"


def test_a_per_day_budget_starts_again_the_next_utc_day(
    served: Runtime, clock: ManualClock
) -> None:
    _offer(served, {"budget_accepts_per_day": 1, "budget_accepts": 2})
    _outcome(served, _decide(served), accepted=True)
    with pytest.raises(NoEligibleOffer):
        _decide(served)
    clock.advance(timedelta(days=1))
    assert [row[:1] + row[2:] for row in _ledger(served, clock)] == [
        ("accepts", 0.0, 1.0),
        (f"accepts:{clock().date().isoformat()}", 0.0, 0.0),
    ]
    _outcome(served, _decide(served), accepted=True)
    clock.advance(timedelta(days=1))
    with pytest.raises(NoEligibleOffer):  # the total of 2 is spent
        _decide(served)


def test_a_budget_set_on_an_offer_with_accepts_counts_them(served: Runtime) -> None:
    _offer(served, {})
    for i in range(3):
        _outcome(served, _decide(served, f"c{i}"), accepted=True)
    served.catalog.edit("budgeted", {"caps": {"budget_accepts": 4}})
    assert _decide(served).chosen == "budgeted"
    with pytest.raises(NoEligibleOffer):
        _decide(served)


def test_threads_deciding_at_once_never_overspend(served: Runtime, clock: ManualClock) -> None:
    limit, threads, each = 12, 6, 8
    _offer(served, {"budget_accepts": limit})
    served.catalog.add(FREE)
    chosen: list[Decision] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(each):
            decision = _decide(served, f"t{t}-{i}")
            with lock:
                chosen.append(decision)

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    budgeted = [d for d in chosen if d.chosen == "budgeted"]
    assert len(chosen) == threads * each and len(budgeted) == limit
    for decision in budgeted:
        _outcome(served, decision, accepted=True)
    assert _ledger(served, clock) == [("accepts", float(limit), 0.0, float(limit))]
