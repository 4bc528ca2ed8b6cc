"""Overspend under concurrency: many clients decide on several `nba serve` hosts at once
against one small budget, and report outcomes to another host than the one that decided.

`prepare` puts a budgeted offer (`scarce`: an accepts budget, and a per-day money budget that
never binds) and an unbudgeted one (`plenty`) in the database and makes a crm key; `drive`
sends the decisions (client `k` on host
`k % hosts`), reports an outcome for every decision that chose `scarce` (accepted for one in
`accept_every`, declined otherwise, so declines give reservations back while the race runs),
and `count` reads the truth from the database: how many accepts the budgeted offer got and
what its ledger row holds. Overspend is accepts, plus reservations still held, beyond the limit.
An outcome whose kept-alive connection the server had closed (gunicorn closes one idle for 2 s,
as the outcome host's often is) is sent once more on a new one; a decision never is.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from nba.bench.http import Client
from nba.serving.budgets import ACCEPTS, offer_scope
from nba.serving.catalog import OfferCatalog
from nba.serving.keys import KeyRing
from nba.storage import Database, offer_budget_used
from nba.storage.budgets import budget_states

SCARCE, PLENTY = "scarce", "plenty"
COST = 5.0

__all__ = ["SCARCE", "Driven", "Race", "count", "drive", "prepare"]


@dataclass(frozen=True, slots=True)
class Driven:
    """What the clients saw: decisions answered, failed requests (and the first replies of
    those), decisions that chose `scarce`, and the seconds it took."""

    answered: int
    errors: int
    chose_scarce: int
    seconds: float
    failures: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Race:
    """What the clients saw and what the database holds after one race."""

    decisions: int
    errors: int
    seconds: float
    chose_scarce: int
    accepted: int
    limit: int
    reserved: float
    consumed: float
    failures: tuple[str, ...] = ()

    @property
    def overspend(self) -> int:
        """Accepts and held reservations beyond the limit: 0 when the budget held."""
        return max(0, self.accepted - self.limit, int(self.reserved + self.consumed) - self.limit)


def prepare(database_url: str, limit: int) -> str:
    """Migrate, add `scarce` (at most `limit` accepts) and `plenty`; the crm key's secret."""
    database = Database(database_url)
    try:
        database.upgrade()
        catalog = OfferCatalog(database)
        catalog.ensure_no_action()
        # A money budget per day too, never the one that binds: each reservation locks rows.
        scarce = {"budget_accepts": limit, "budget_money_per_day": 10.0 * COST * limit}
        for offer_id, caps in ((SCARCE, scarce), (PLENTY, {})):
            catalog.add(
                {"id": offer_id, "name": offer_id, "category": "discount", "cost": COST,
                 "features": {"discount_pct": 10}, "caps": caps}
            )  # fmt: skip
        return KeyRing(database).create("crm", "overspend")[1]
    finally:
        database.dispose()


def drive(
    urls: Sequence[str], secret: str, *, decisions: int, clients: int, accept_every: int = 2
) -> Driven:
    """Send `decisions` decisions from `clients` threads spread over the hosts `urls`."""
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    tally = {"ok": 0, "errors": 0, "scarce": 0}
    failed: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(k: int) -> None:
        here = Client(urls[k % len(urls)], headers)
        there = Client(urls[(k + 1) % len(urls)], headers)
        ok = errors = scarce = 0
        start.wait()
        for i in range(k, decisions, clients):
            body = json.dumps({"customer_id": f"c{i}", "churn_score": 0.5}).encode()
            status, reply = here.post("/v1/decisions", body)
            if status != 200:
                errors += 1
                with lock:
                    failed.append(f"decision {status}: {reply[:300]!r}")
                continue
            ok += 1
            decided = json.loads(reply)
            if decided["offer_id"] != SCARCE:
                continue
            scarce += 1
            outcome = json.dumps({"accepted": i % accept_every == 0}).encode()
            path = f"/v1/decisions/{decided['decision_id']}/outcome"
            status, reply = there.post(path, outcome)
            if status == 0:  # a kept-alive connection the server closed meanwhile: send again
                status, reply = there.post(path, outcome)  # (an outcome twice is one outcome)
            if status not in (200, 201):
                errors += 1
                with lock:
                    failed.append(f"outcome {status}: {reply[:300]!r}")
        here.close()
        there.close()
        with lock:
            tally["ok"] += ok
            tally["errors"] += errors
            tally["scarce"] += scarce

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    return Driven(tally["ok"], tally["errors"], tally["scarce"], seconds, tuple(failed))


def count(database_url: str, limit: int, driven: Driven) -> Race:
    """The race's figures, the accepts and the ledger read from the database."""
    database = Database(database_url)
    try:
        with database.session(readonly=True) as session:
            accepted, _ = offer_budget_used(session, [SCARCE])[SCARCE]
            scope = offer_scope(SCARCE, ACCEPTS)
            row = budget_states(session, [scope]).get(scope)
    finally:
        database.dispose()
    return Race(
        decisions=driven.answered,
        errors=driven.errors,
        seconds=driven.seconds,
        chose_scarce=driven.chose_scarce,
        failures=driven.failures,
        accepted=int(accepted),
        limit=limit,
        reserved=row.reserved if row else 0.0,
        consumed=row.consumed if row else 0.0,
    )
