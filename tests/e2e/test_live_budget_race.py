"""Two `nba serve` hosts over one PostgreSQL, decided on by many clients at once against one small
accepts budget, with outcomes reported to the other host: not one accept beyond the budget.

The long run (>= 10,000 decisions) is `benchmarks/budget_overspend.py`; this one is small.
"""

from __future__ import annotations

import pytest

from nba.bench.overspend import count, drive, prepare
from tests.databases import database_url
from tests.e2e.live import Served

pytestmark = [pytest.mark.slow, pytest.mark.postgres]  # two live gunicorn services

LIMIT = 30
DECISIONS = 1000


def test_concurrent_decisions_on_two_hosts_never_overspend_a_budget(tmp_path) -> None:
    with database_url("postgresql", tmp_path) as url:
        secret = prepare(url, LIMIT)
        hosts = [Served(tmp_path / name, url, save_interval_s=3600) for name in ("a", "b")]
        for host in hosts:
            host.folder.mkdir()
            host.start()
        try:
            driven = drive([h.url for h in hosts], secret, decisions=DECISIONS, clients=8)
        finally:
            for host in hosts:
                host.stop()
        race = count(url, LIMIT, driven)
    assert (race.decisions, race.errors) == (DECISIONS, 0), race.failures[:3]
    assert race.chose_scarce > LIMIT  # declines gave reservations back, and they were taken again
    assert race.accepted == LIMIT  # the demand was there: the budget was spent, not passed
    assert (race.reserved, race.consumed) == (0.0, float(LIMIT))
    assert race.overspend == 0
