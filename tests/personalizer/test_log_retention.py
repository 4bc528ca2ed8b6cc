"""A loop's log keeps `logRetentionDays` days (its own module: the clock jumps months)."""

from __future__ import annotations

from datetime import timedelta

from tests.personalizer.conftest import rank_body

V1 = "/personalizer/v1.0"


def test_slots_older_than_the_retention_days_are_deleted_and_minus_one_keeps_them(
    http, key, loop_runtime, loop, clock
):
    kept, expiring = key(f"{loop}-kept"), key()
    http.put(f"{V1}/configurations/service", json={"logRetentionDays": -1}, headers=kept)
    http.put(f"{V1}/configurations/service", json={"logRetentionDays": 30}, headers=expiring)
    for headers in (kept, expiring):
        http.post(f"{V1}/rank", json=rank_body(), headers=headers)
    clock.advance(timedelta(days=31))
    http.post(f"{V1}/rank", json=rank_body(), headers=expiring)
    parts = loop_runtime.personalizer
    parts.trainer.run()
    assert len(parts.admin.logged(f"{loop}-kept")) == 1
    assert len(parts.admin.logged(loop)) == 1  # the new one stays
