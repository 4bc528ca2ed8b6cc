"""Contact policies inside decide: window limits overall and per channel, decline cool-downs per
offer and per category, the suppression list and quiet hours, each recorded with its reason."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from nba.config import Settings
from nba.domain import Decision, EligibleOffer, FeedbackKind, FeedbackReport
from nba.errors import NoEligibleOffer
from nba.runtime import Runtime, build_runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import contacts, decisions
from tests.conftest import SAMPLE_OFFERS

START = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
REAL_OFFERS = {"discount_10", "device_upgrade", "loyalty"}
CONTEXT = (("tenure_months", 30),)

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For tests of validation and wording, which no database changes."""


class SetClock:
    """A clock standing at `now` until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> SetClock:
    return SetClock(START)


@pytest.fixture
def runtime(settings: Settings, clock: SetClock) -> Iterator[Runtime]:
    built = build_runtime(settings.model_copy(update={"offer_cache_s": 0}), clock=clock)
    for spec in [*SAMPLE_OFFERS, {"id": "discount_20", "name": "20% off", "category": "discount",
                                  "cost": 9.0}]:  # fmt: skip
        built.catalog.add(spec)
    yield built
    built.close()


def _logged(runtime: Runtime, chosen: str, ts: datetime, channel: str | None = "sms",
            customer_id: str = "c1") -> str:  # fmt: skip
    """Log a decision that chose `chosen` at `ts`, as an earlier request would have."""
    offer = runtime.catalog.get(chosen)
    decision = Decision(
        id=str(uuid.uuid4()), ts=ts, customer_id=customer_id, churn_score=0.5, context=CONTEXT,
        channel=channel, eligible=(EligibleOffer(chosen, offer.version, offer.category),),
        probabilities=(1.0,), scores=(0.0,), chosen=chosen, propensity=1.0, policy="test",
        model_version=None,
    )  # fmt: skip
    with runtime.database.session() as session:
        decisions.add_decisions(session, [decision])
    return decision.id


def _declined(runtime: Runtime, decision_id: str, at: datetime) -> None:
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision_id, False, ts=at))


def _decide(runtime: Runtime, channel: str | None = "sms", customer_id: str = "c1") -> Decision:
    request = DecisionRequest(customer_id, 0.5, CONTEXT, channel=channel)
    return runtime.decider.decide(request).decision


def _held(decision: Decision) -> dict[str, str]:
    """Why each offer was held back, by offer id."""
    return {e.offer_id: e.reason for e in decision.excluded}


def _policy(runtime: Runtime, **document: object) -> None:
    runtime.contacts.set_policy(document)


def test_without_a_policy_every_eligible_offer_stays(runtime):
    for hours in range(5):
        _logged(runtime, "loyalty", START - timedelta(hours=hours))
    decision = _decide(runtime)
    assert {e.offer_id for e in decision.eligible} == REAL_OFFERS | {"discount_20", "no_action"}
    assert runtime.contacts.refusal_counts() == dict.fromkeys(
        ("suppressed", "quiet_hours", "contact_limit", "cooldown"), 0
    )


def test_the_window_limit_counts_every_channel_and_leaves_no_action(runtime):
    _policy(runtime, limits=[{"max_offers": 2, "window_days": 7}])
    _logged(runtime, "loyalty", START - timedelta(days=6, hours=23), channel="sms")
    _logged(runtime, "discount_10", START - timedelta(hours=1), channel="call")
    _logged(runtime, "no_action", START - timedelta(minutes=5), channel="sms")
    decision = _decide(runtime, channel="web")
    assert [e.offer_id for e in decision.eligible] == ["no_action"]
    assert set(_held(decision).values()) == {
        "contact limit: 2 offers in the last 7 days (at most 2)"
    }
    assert runtime.contacts.refusal_counts()["contact_limit"] == 1


def test_contacts_older_than_the_window_do_not_count(runtime):
    _policy(runtime, limits=[{"max_offers": 1, "window_days": 7}])
    _logged(runtime, "loyalty", START - timedelta(days=7, seconds=1))
    assert _held(_decide(runtime)) == {}


def test_a_channel_limit_holds_back_that_channel_only(runtime):
    _policy(runtime, limits=[{"max_offers": 1, "window_days": 1, "channel": "sms"}])
    _logged(runtime, "loyalty", START - timedelta(hours=2), channel="sms")
    on_sms = _decide(runtime, channel="sms")
    assert set(_held(on_sms).values()) == {
        "contact limit: 1 offer on sms in the last 1 days (at most 1)"
    }
    assert _held(_decide(runtime, channel="call")) == {}


def test_a_channel_limit_counts_only_its_channels_contacts(runtime):
    _policy(runtime, limits=[{"max_offers": 1, "window_days": 1, "channel": "sms"}])
    _logged(runtime, "loyalty", START - timedelta(hours=2), channel="call")
    assert _held(_decide(runtime, channel="sms")) == {}


def test_earlier_decisions_of_a_batch_count_against_the_limit(runtime):
    _policy(runtime, limits=[{"max_offers": 1, "window_days": 30}])
    requests = [DecisionRequest("c1", 0.5, CONTEXT, channel="sms")] * 12
    results = runtime.decider.decide_batch(requests)
    chosen = [r.decision.chosen for r in results]
    assert sum(offer != "no_action" for offer in chosen) == 1
    first = next(i for i, offer in enumerate(chosen) if offer != "no_action")
    for later in results[first + 1 :]:
        assert [e.offer_id for e in later.decision.eligible] == ["no_action"]


def test_a_decline_rests_that_offer_for_its_cool_down(runtime, clock):
    _policy(runtime, decline_cooldown={"offer_days": 30})
    shown = _logged(runtime, "loyalty", START - timedelta(days=3))
    _declined(runtime, shown, START - timedelta(days=2))
    held = _held(_decide(runtime))
    assert held == {
        "loyalty": "cool-down: declined 2026-01-13 12:00 UTC; an offer rests 30 days after its "
        "decline"
    }
    assert runtime.contacts.refusal_counts()["cooldown"] == 1
    clock.now = START + timedelta(days=28, minutes=1)
    assert _held(_decide(runtime)) == {}


def test_a_decline_rests_every_offer_of_its_category(runtime, clock):
    _policy(runtime, decline_cooldown={"category_days": 7})
    shown = _logged(runtime, "discount_10", START - timedelta(days=1))
    _declined(runtime, shown, START - timedelta(days=1))
    held = _held(_decide(runtime))
    assert set(held) == {"discount_10", "discount_20"}
    assert held["discount_20"] == (
        "cool-down: discount_10 (discount) declined 2026-01-14 12:00 UTC; discount offers rest "
        "7 days after a decline"
    )
    clock.now = START + timedelta(days=6, minutes=1)
    assert _held(_decide(runtime)) == {}


def test_a_category_of_its_own_rests_as_long_as_it_says(runtime):
    rests = {"category_days": 30, "categories": {"discount": 0.5}}
    _policy(runtime, decline_cooldown=rests)
    discount = _logged(runtime, "discount_10", START - timedelta(days=2))
    _declined(runtime, discount, START - timedelta(days=1))
    device = _logged(runtime, "device_upgrade", START - timedelta(days=2))
    _declined(runtime, device, START - timedelta(days=1))
    assert set(_held(_decide(runtime))) == {"device_upgrade"}


def test_an_accept_or_a_default_is_no_decline(runtime):
    _policy(runtime, decline_cooldown={"offer_days": 30, "category_days": 30})
    accepted = _logged(runtime, "discount_10", START - timedelta(days=1))
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, accepted, True))
    silent = _logged(runtime, "loyalty", START - timedelta(days=8))
    decision = runtime.feedback.get_decision(silent)[0]
    assert runtime.feedback.record_default(decision, FeedbackKind.ACCEPTANCE, False)
    assert _held(_decide(runtime)) == {}


def test_a_suppressed_customer_gets_only_no_action_until_removed(runtime):
    runtime.contacts.suppress({"customer_id": "c1", "reason": "asked not to be called"})
    decision = _decide(runtime)
    assert [e.offer_id for e in decision.eligible] == ["no_action"]
    assert set(_held(decision).values()) == {
        "suppressed: on the suppression list (asked not to be called)"
    }
    assert _held(_decide(runtime, customer_id="c2")) == {}
    runtime.contacts.unsuppress("c1")
    assert _held(_decide(runtime)) == {}
    assert runtime.contacts.refusal_counts()["suppressed"] == 1


@SQLITE_ONLY
def test_a_suppression_ends_when_it_expires(runtime, clock):
    until = START + timedelta(days=1)
    runtime.contacts.suppress({"customer_id": "c1", "expires_at": until.isoformat()})
    assert _held(_decide(runtime))["loyalty"] == (
        "suppressed: on the suppression list until 2026-01-16 12:00 UTC"
    )
    clock.now = until
    assert _held(_decide(runtime)) == {}


@SQLITE_ONLY
def test_a_suppressed_customer_without_no_action_has_no_eligible_offer(settings, clock):
    built = build_runtime(settings.model_copy(update={"no_action_enabled": False}), clock=clock)
    try:
        built.catalog.add(SAMPLE_OFFERS[2])
        built.contacts.suppress({"customer_id": "c1"})
        with pytest.raises(NoEligibleOffer):
            _decide(built)
    finally:
        built.close()


QUIET_CALLS = {"channel": "call", "start": "21:00", "end": "08:00", "timezone": "Europe/Berlin"}


@pytest.mark.parametrize(
    "now, quiet",
    [
        (datetime(2026, 1, 15, 19, 59, tzinfo=UTC), False),  # 20:59 in Berlin (CET)
        (datetime(2026, 1, 15, 20, 0, tzinfo=UTC), True),  # 21:00
        (datetime(2026, 1, 15, 23, 30, tzinfo=UTC), True),  # past midnight there
        (datetime(2026, 1, 16, 6, 59, tzinfo=UTC), True),  # 07:59
        (datetime(2026, 1, 16, 7, 0, tzinfo=UTC), False),  # 08:00
        (datetime(2026, 7, 15, 19, 0, tzinfo=UTC), True),  # 21:00 in summer (CEST)
        (datetime(2026, 7, 15, 6, 0, tzinfo=UTC), False),  # 08:00 in summer
    ],
)
@SQLITE_ONLY
def test_quiet_hours_hold_back_their_channel_by_the_zones_clock(runtime, clock, now, quiet):
    _policy(runtime, quiet_hours=[QUIET_CALLS])
    clock.now = now
    held = _held(_decide(runtime, channel="call"))
    assert bool(held) is quiet
    assert _held(_decide(runtime, channel="sms")) == {}
    if quiet:
        local = now.astimezone(ZoneInfo("Europe/Berlin"))
        assert held["loyalty"] == (
            f"quiet hours: call is quiet 21:00-08:00 Europe/Berlin (it is {local:%H:%M} there)"
        )


def test_quiet_hours_without_a_channel_cover_every_request(runtime, clock):
    _policy(runtime, quiet_hours=[{"start": "00:00", "end": "06:00", "timezone": "UTC"}])
    clock.now = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
    assert _held(_decide(runtime, channel=None))
    assert _held(_decide(runtime, channel="web"))
    assert runtime.contacts.refusal_counts()["quiet_hours"] == 2


@SQLITE_ONLY
def test_a_change_made_by_another_process_applies_within_the_cache_time(settings, clock):
    shared = settings.model_copy(update={"offer_cache_s": 0.2})
    editor, server = build_runtime(shared, clock=clock), build_runtime(shared, clock=clock)
    try:
        editor.catalog.add(SAMPLE_OFFERS[2])
        server.catalog.add(SAMPLE_OFFERS[1])
        assert _held(_decide(server)) == {}
        editor.contacts.suppress({"customer_id": "c1"})
        editor.contacts.set_policy({"quiet_hours": [{"start": "00:00", "end": "23:59"}]})
        deadline = time.monotonic() + 5
        while not _held(_decide(server)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert set(_held(_decide(server))) == {"loyalty", "device_upgrade"}
    finally:
        editor.close()
        server.close()


@SQLITE_ONLY
def test_a_stored_policy_that_cannot_be_read_restricts_nothing_and_is_logged(runtime, caplog):
    with runtime.database.session() as session:
        contacts.set_policy_json(session, {"limits": [{"max_offers": "three"}]})
    with caplog.at_level("WARNING", logger="nba.serving.contact_rules"):
        assert _held(_decide(runtime)) == {}
    assert "the stored contact policy cannot be read" in caplog.text


def test_quiet_hours_read_the_customers_own_zone_when_the_request_sends_one(runtime, clock):
    _policy(runtime, quiet_hours=[{**QUIET_CALLS, "timezone_field": "tz"}])
    clock.now = datetime(2026, 1, 15, 20, 30, tzinfo=UTC)  # 21:30 in Berlin, 15:30 in New York

    def held_for(tz: str | None) -> dict[str, str]:
        context = CONTEXT + ((("tz", tz),) if tz is not None else ())
        request = DecisionRequest("c1", 0.5, context, channel="call")
        return _held(runtime.decider.decide(request).decision)

    assert held_for("America/New_York") == {}
    assert held_for(None)["loyalty"].endswith("Europe/Berlin (it is 21:30 there)")
    assert held_for("Mars/Olympus")["loyalty"].endswith("Europe/Berlin (it is 21:30 there)")
    clock.now = datetime(2026, 1, 16, 2, 30, tzinfo=UTC)  # 21:30 in New York
    assert held_for("America/New_York")["loyalty"].endswith(
        "call is quiet 21:00-08:00 America/New_York (it is 21:30 there)"
    )
