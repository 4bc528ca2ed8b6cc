"""Quiet hours on a zone's wall clock: over midnight, and across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from nba.contact_policy import QuietHours

NIGHT = QuietHours(time(2, 0), time(3, 0), "Europe/Berlin")


@pytest.mark.parametrize(
    "now, quiet",
    [
        # 29 March 2026: Berlin's clocks jump from 02:00 CET to 03:00 CEST; 02:xx never comes.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), False),  # 01:59 CET
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), False),  # 03:00 CEST
        # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:xx comes twice.
        (datetime(2026, 10, 25, 0, 0, tzinfo=UTC), True),  # 02:00 CEST
        (datetime(2026, 10, 25, 0, 59, tzinfo=UTC), True),  # 02:59 CEST
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), True),  # 02:00 CET, again
        (datetime(2026, 10, 25, 1, 59, tzinfo=UTC), True),  # 02:59 CET
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), False),  # 03:00 CET
    ],
)
def test_a_skipped_hour_is_never_quiet_and_a_repeated_one_is_quiet_twice(now, quiet):
    assert NIGHT.is_quiet(now) is quiet


@pytest.mark.parametrize(
    "hour, minute, quiet",
    [(20, 59, False), (21, 0, True), (23, 59, True), (0, 0, True), (7, 59, True), (8, 0, False)],
)
def test_a_window_ending_before_it_starts_runs_over_midnight(hour, minute, quiet):
    evening = QuietHours(time(21, 0), time(8, 0), "UTC")
    assert evening.is_quiet(datetime(2026, 5, 4, hour, minute, tzinfo=UTC)) is quiet


def test_the_same_instant_is_quiet_in_one_zone_and_not_in_another():
    now = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)  # 22:30 in Berlin, 16:30 in New York
    rule = QuietHours(time(22, 0), time(7, 0), "Europe/Berlin")
    assert rule.is_quiet(now) and not rule.is_quiet(now, "America/New_York")
    assert QuietHours(time(22, 0), time(7, 0), "Asia/Kolkata").is_quiet(now)  # 03:00 there


def test_the_customers_zone_is_used_only_when_valid():
    rule = QuietHours(time(22, 0), time(7, 0), "Europe/Berlin", timezone_field="tz")
    assert rule.zone_for({"tz": "Asia/Tokyo"}) == "Asia/Tokyo"
    assert rule.zone_for({"tz": "Nowhere/Atlantis"}) == "Europe/Berlin"
    assert rule.zone_for({"tz": 5}) == "Europe/Berlin"
    assert rule.zone_for({}) == "Europe/Berlin"
