"""The budget ledger: reservations up to the limit and no further, all or nothing, settled
once, per-day scopes, campaign scopes, and racing threads that never overspend."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from nba.domain import Caps, Offer
from nba.serving import budgets
from nba.serving.budgets import ACCEPTS, MONEY, Claim
from nba.storage import Database
from nba.storage import budgets as ledger

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SCOPE = "offer:x:accepts"


def _reserve(db: Database, decision_id: str, *claims: Claim) -> Claim | None:
    with db.session() as session:
        return budgets.reserve(session, decision_id, claims, NOW)


def _state(db: Database, scope: str = SCOPE) -> tuple[float, float, float]:
    with db.session(readonly=True) as session:
        s = ledger.budget_states(session, [scope])[scope]
    return s.limit, s.reserved, s.consumed


def _settle(db: Database, decision_id: str, accepted: bool) -> None:
    with db.session() as session:
        budgets.settle(
            session,
            decision_id,
            accepted=accepted,
            offer_id="x",
            decided_on=NOW.date(),
            cost=5.0,
            now=NOW,
        )


def test_reservations_stop_at_the_limit(db: Database) -> None:
    claim = Claim(SCOPE, ACCEPTS, 3.0, 1.0)
    refused = [_reserve(db, f"d{i}", claim) for i in range(5)]
    assert refused == [None, None, None, claim, claim]
    assert _state(db) == (3.0, 3.0, 0.0)


def test_a_decline_releases_and_an_accept_consumes(db: Database) -> None:
    claim = Claim(SCOPE, ACCEPTS, 2.0, 1.0)
    assert _reserve(db, "d1", claim) is None and _reserve(db, "d2", claim) is None
    _settle(db, "d1", accepted=False)
    _settle(db, "d2", accepted=True)
    assert _state(db) == (2.0, 0.0, 1.0)
    assert _reserve(db, "d3", claim) is None
    assert _reserve(db, "d4", claim) == claim


def test_settling_a_decision_twice_changes_nothing(db: Database) -> None:
    assert _reserve(db, "d1", Claim(SCOPE, ACCEPTS, 5.0, 1.0)) is None
    _settle(db, "d1", accepted=True)
    _settle(db, "d1", accepted=True)
    _settle(db, "d1", accepted=False)
    assert _state(db) == (5.0, 0.0, 1.0)


def test_a_claim_that_does_not_fit_leaves_the_others_unreserved(db: Database) -> None:
    accepts = Claim(SCOPE, ACCEPTS, 10.0, 1.0)
    money = Claim("offer:x:money", MONEY, 12.0, 5.0)
    assert _reserve(db, "d1", accepts, money) is None
    assert _reserve(db, "d2", accepts, money) is None
    assert _reserve(db, "d3", accepts, money) == money
    assert _state(db) == (10.0, 2.0, 0.0)
    assert _state(db, "offer:x:money") == (12.0, 10.0, 0.0)


def test_money_reservations_fit_exactly_despite_float_rounding(db: Database) -> None:
    claim = Claim("offer:x:money", MONEY, 1.0, 0.1)
    refused = [_reserve(db, f"d{i}", claim) for i in range(11)]
    assert refused.count(None) == 10


def test_an_accept_without_a_reservation_counts_against_existing_totals(db: Database) -> None:
    assert _reserve(db, "d1", Claim(SCOPE, ACCEPTS, 5.0, 1.0)) is None
    _settle(db, "old", accepted=True)  # decided before the offer had its budget
    _settle(db, "old-declined", accepted=False)
    assert _state(db) == (5.0, 1.0, 1.0)


def test_per_day_scopes_start_afresh_on_the_next_utc_day() -> None:
    offer = Offer("x", "X", "discount", cost=4.0, caps=Caps(budget_accepts_per_day=2))
    today, tomorrow = (
        budgets.offer_claims(offer, d) for d in (date(2026, 12, 1), date(2026, 12, 2))
    )
    assert [c.scope for c in today] == ["offer:x:accepts:2026-12-01"]
    assert [c.scope for c in tomorrow] == ["offer:x:accepts:2026-12-02"]
    both = Offer("x", "X", "discount", cost=4.0, caps=Caps(budget_money=100.0))
    assert budgets.offer_claims(both, date(2026, 12, 1)) == (
        Claim("offer:x:money", MONEY, 100.0, 4.0),
    )


def test_a_campaign_budget_is_one_more_scope(db: Database) -> None:
    scope = budgets.campaign_scope("spring", ACCEPTS, "x")
    assert scope == "campaign:spring:accepts:x"
    with db.session() as session:
        budgets.set_budget(session, scope, ACCEPTS, 1.0, NOW)
    claim = Claim(scope, ACCEPTS, 1.0, 1.0)
    assert _reserve(db, "d1", claim) is None
    assert _reserve(db, "d2", claim) == claim
    with db.session() as session:
        budgets.set_budget(session, scope, ACCEPTS, 2.0, NOW + timedelta(hours=1))
    assert _state(db, scope) == (2.0, 1.0, 0.0)


def test_racing_threads_never_reserve_past_the_limit(db: Database) -> None:
    limit, threads, each = 25, 6, 12
    claim = Claim(SCOPE, ACCEPTS, float(limit), 1.0)
    won: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(t: int) -> None:
        start.wait()
        for i in range(each):
            if _reserve(db, f"t{t}-{i}", claim) is None:
                with lock:
                    won.append(f"t{t}-{i}")

    workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(won) == limit
    assert _state(db) == (float(limit), float(limit), 0.0)


def test_an_accept_counts_against_a_budget_set_after_its_decision(db: Database) -> None:
    accepts = Claim(SCOPE, ACCEPTS, 5.0, 1.0)
    assert _reserve(db, "d1", accepts) is None
    with db.session() as session:  # a money budget added while d1 waits for its outcome
        budgets.set_budget(session, "offer:x:money", MONEY, 100.0, NOW)
    _settle(db, "d1", accepted=True)
    _settle(db, "d1", accepted=True)
    assert _state(db) == (5.0, 0.0, 1.0)
    assert _state(db, "offer:x:money") == (100.0, 0.0, 5.0)
