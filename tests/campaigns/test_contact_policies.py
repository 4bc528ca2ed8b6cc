"""Campaigns under the contact policy: the suppression list, window limits overall and per
channel, decline cool-downs, quiet hours at the send time; each exclusion recorded with its
rule in the output and the log, counted by rule in the summary; history read per batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest
import sqlalchemy as sa

from nba.campaigns import CampaignRunner, CampaignSpec
from nba.campaigns.contacts import CampaignContacts, ContactHistory
from nba.campaigns.reading import CustomerBatch
from nba.campaigns.scoring import Scores
from nba.contact_policy import ContactPolicy, Suppression
from nba.domain import Offer
from nba.errors import InvalidInput
from nba.runtime import build_runtime
from nba.serving.catalog import NO_ACTION
from nba.serving.contacts import ContactPolicies
from nba.serving.inputs import DecisionRequest
from nba.storage import get_decision
from tests.campaigns.conftest import OFFER_IDS, START, contacted

DISCOUNTS = {"discount_10", "discount_25"}


def _spec(customers: Path, tmp_path: Path, name: str = "out", **changes: object) -> CampaignSpec:
    terms: dict[str, object] = {
        "input": str(customers), "out": str(tmp_path / f"{name}.parquet"), "offers": OFFER_IDS,
        "seed": 4, "holdout": 0.0, "exploration": 0.0, "batch_size": 300, "channel": "sms",
    }  # fmt: skip
    terms.update(changes)
    return CampaignSpec(**terms)  # type: ignore[arg-type]


def _run(
    database, settings, spec: CampaignSpec, now: datetime = START
) -> tuple[object, pd.DataFrame]:
    runner = CampaignRunner(database, settings, clock=lambda: now)
    done = runner.run(runner.create(spec).id)
    return done, pd.read_parquet(spec.out).set_index("customer_id")


def _excluded(out: pd.DataFrame, customer_id: str) -> dict[str, str]:
    text = out.loc[customer_id, "excluded"]
    return {} if pd.isna(text) else {e["offer_id"]: e["reason"] for e in orjson.loads(text)}


def test_a_suppressed_customer_gets_no_offer_and_the_row_and_the_log_say_why(
    any_db, any_settings, customers, tmp_path
):
    # On PostgreSQL too: the bulk reads and the logged `excluded` JSON differ there.
    campaign_db, campaign_settings = any_db, any_settings
    policies = ContactPolicies(campaign_db)
    for i in range(10):
        policies.suppress({"customer_id": f"c{i}", "reason": "asked not to be called"})
    policies.suppress({"customer_id": "c10", "expires_at": (START - timedelta(days=1)).isoformat()})
    done, out = _run(campaign_db, campaign_settings, _spec(customers, tmp_path))
    suppressed = out.loc[[f"c{i}" for i in range(10)]]
    assert (suppressed["offer_id"] == "no_action").all()
    assert (suppressed["contact_rule"] == "suppressed").all()
    assert _excluded(out, "c3") == dict.fromkeys(
        OFFER_IDS, "suppressed: on the suppression list (asked not to be called)"
    )
    assert pd.isna(out.loc["c10", "contact_rule"])  # the entry expired
    assert out["contact_rule"].notna().sum() == 10
    with campaign_db.session(readonly=True) as session:
        logged = get_decision(session, out.loc["c3", "decision_id"])
    assert logged is not None and [e.offer_id for e in logged.eligible] == ["no_action"]
    assert {e.offer_id: e.reason for e in logged.excluded} == _excluded(out, "c3")
    assert done.summary["contact_rules"]["suppressed"] == {
        "customers": 10, "offers": 10 * len(OFFER_IDS)
    }  # fmt: skip
    per_offer = {o["offer_id"]: o["held_back"] for o in done.summary["offers"]}
    assert (
        per_offer["discount_10"]["suppressed"] == 10 and per_offer["no_action"]["suppressed"] == 0
    )


def test_a_customer_at_the_window_limit_gets_no_offer_while_one_under_it_does(
    campaign_db, campaign_settings, customers, tmp_path
):
    ContactPolicies(campaign_db).set_policy({"limits": [{"max_offers": 2, "window_days": 7}]})
    for customer_id in ("c0", "c1"):
        contacted(campaign_db, customer_id, "loyalty_programme", START - timedelta(days=6))
        contacted(campaign_db, customer_id, "data_bonus", START - timedelta(hours=3), channel="web")
    contacted(campaign_db, "c2", "data_bonus", START - timedelta(days=1))  # one: under the limit
    contacted(campaign_db, "c3", "data_bonus", START - timedelta(days=8))  # before the window
    contacted(campaign_db, "c3", "data_bonus", START - timedelta(days=1))
    done, out = _run(campaign_db, campaign_settings, _spec(customers, tmp_path))
    for customer_id in ("c0", "c1"):
        assert out.loc[customer_id, "offer_id"] == "no_action"
        assert set(_excluded(out, customer_id).values()) == {
            "contact limit: 2 offers in the last 7 days (at most 2)"
        }
    assert out.loc[["c2", "c3"], "contact_rule"].isna().all()
    assert done.summary["contact_rules"]["contact_limit"]["customers"] == 2


def test_a_channel_limit_holds_back_campaigns_on_that_channel_only(
    campaign_db, campaign_settings, customers, tmp_path
):
    ContactPolicies(campaign_db).set_policy(
        {"limits": [{"max_offers": 1, "window_days": 7, "channel": "sms"}]}
    )
    contacted(campaign_db, "c0", "data_bonus", START - timedelta(days=2), channel="sms")
    contacted(campaign_db, "c1", "data_bonus", START - timedelta(days=2), channel="email")
    _, on_email = _run(campaign_db, campaign_settings, _spec(customers, tmp_path, "email",
                                                             channel="email"))  # fmt: skip
    assert on_email["contact_rule"].isna().all()
    # The email campaign's own contacts are not on sms: only c0's counts.
    _, on_sms = _run(campaign_db, campaign_settings, _spec(customers, tmp_path, "sms"))
    assert on_sms["contact_rule"].notna().sum() == 1
    assert set(_excluded(on_sms, "c0").values()) == {
        "contact limit: 1 offer on sms in the last 7 days (at most 1)"
    }


def test_a_decline_cools_its_offer_or_its_category_and_another_offer_may_still_be_best(
    campaign_db, campaign_settings, customers, tmp_path
):
    ContactPolicies(campaign_db).set_policy({"decline_cooldown": {"offer_days": 30}})
    declined_at = START - timedelta(days=10)
    for i in range(40):
        contacted(campaign_db, f"c{i}", "discount_10", declined_at - timedelta(hours=1),
                   declined=True)  # fmt: skip
    _, out = _run(campaign_db, campaign_settings, _spec(customers, tmp_path, "offer"))
    cooled = out.loc[[f"c{i}" for i in range(40)]]
    assert (cooled["contact_rule"] == "cooldown").all()
    assert (cooled["offer_id"] != "discount_10").all()
    assert (cooled["offer_id"] != "no_action").any()  # other offers still went out
    assert _excluded(out, "c0") == {
        "discount_10": "cool-down: declined 2026-01-05 12:00 UTC; an offer rests 30 days after "
        "its decline"
    }
    ContactPolicies(campaign_db).set_policy({"decline_cooldown": {"categories": {"discount": 14}}})
    _, by_category = _run(
        campaign_db, campaign_settings, _spec(customers, tmp_path, "category"),
        now=START + timedelta(hours=1),
    )  # fmt: skip
    assert set(_excluded(by_category, "c0")) == DISCOUNTS
    assert not set(by_category.loc[[f"c{i}" for i in range(40)], "offer_id"]) & DISCOUNTS


def test_a_channel_quiet_at_the_send_time_is_refused_at_submit(
    campaign_db, campaign_settings, customers, tmp_path
):
    ContactPolicies(campaign_db).set_policy({"quiet_hours": [
        {"channel": "sms", "start": "21:00", "end": "08:00", "timezone": "Europe/Berlin"}
    ]})  # fmt: skip
    runner = CampaignRunner(campaign_db, campaign_settings, clock=lambda: START)
    evening = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    with pytest.raises(InvalidInput) as refused:
        runner.create(_spec(customers, tmp_path, send_at=evening))
    assert refused.value.field == "send_at"
    assert refused.value.message == (
        "send_at: quiet hours: sms is quiet 21:00-08:00 Europe/Berlin (it is 22:30 there) at "
        "the send time 2026-01-15 21:30 UTC: choose a send time outside the quiet hours "
        "(send_at) or another channel"
    )
    assert runner.create(_spec(customers, tmp_path, "email", channel="email", send_at=evening))
    morning = _spec(customers, tmp_path, "morning", send_at=evening + timedelta(hours=11))
    done = runner.run(runner.create(morning).id)
    assert done.plan["now"] == "2026-01-16T08:30:00+00:00"
    assert done.summary["contact_rules"]["quiet_hours"]["customers"] == 0


def test_quiet_hours_in_the_customers_own_zones_hold_back_those_it_is_night_for(
    campaign_db, campaign_settings, customers, tmp_path
):
    frame = pd.read_parquet(customers).head(600)
    frame["tz"] = ["Asia/Tokyo" if i % 3 == 0 else "Europe/London" for i in range(len(frame))]
    frame.loc[1, "tz"] = "Mars/Olympus"  # not a zone: the window's own
    path = tmp_path / "zoned.parquet"
    frame.to_parquet(path)
    ContactPolicies(campaign_db).set_policy({"quiet_hours": [
        {"channel": "sms", "start": "21:00", "end": "08:00", "timezone": "Europe/London",
         "timezone_field": "tz"}
    ]})  # fmt: skip
    at_two = datetime(2026, 1, 15, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo, 14:00 in London
    done, out = _run(campaign_db, campaign_settings, _spec(path, tmp_path, send_at=at_two))
    in_tokyo = out["contact_rule"].notna()
    assert in_tokyo.sum() == 200
    assert (out.loc[in_tokyo, "contact_rule"] == "quiet_hours").all()
    assert (out.loc[in_tokyo, "offer_id"] == "no_action").all()
    assert set(_excluded(out, "c0").values()) == {
        "quiet hours: sms is quiet 21:00-08:00 Asia/Tokyo (it is 23:00 there)"
    }
    assert done.summary["contact_rules"]["quiet_hours"]["customers"] == 200


def test_the_campaigns_assignments_count_as_contacts_for_later_decisions(
    campaign_db, campaign_settings, customers, tmp_path
):
    ContactPolicies(campaign_db).set_policy({"limits": [{"max_offers": 1, "window_days": 7}]})
    _, first = _run(campaign_db, campaign_settings, _spec(customers, tmp_path, "first"))
    contacted = first.index[first["offer_id"] != "no_action"]
    assert len(contacted) > 100
    later = START + timedelta(days=1)
    _, second = _run(campaign_db, campaign_settings, _spec(customers, tmp_path, "second"), later)
    assert set(second.index[second["contact_rule"] == "contact_limit"]) == set(contacted)
    runtime = build_runtime(campaign_settings, clock=lambda: later)
    try:
        request = DecisionRequest(contacted[0], 0.5, (), channel="call")
        decision = runtime.decider.decide(request).decision
    finally:
        runtime.close()
    assert decision.chosen == "no_action"
    assert {e.reason for e in decision.excluded} == {
        "contact limit: 1 offer in the last 7 days (at most 1)"
    }


def test_the_history_is_read_in_one_query_per_batch(
    campaign_db, campaign_settings, customers, tmp_path
):
    policies = ContactPolicies(campaign_db)
    policies.set_policy({"limits": [{"max_offers": 1, "window_days": 7}]})
    policies.suppress({"customer_id": "c5"})
    for i in range(200):
        contacted(campaign_db, f"c{i}", "data_bonus", START - timedelta(days=1))
    statements: list[str] = []

    def count(conn, cursor, statement, *args: object) -> None:
        if "json_each" in statement:
            statements.append(statement)

    sa.event.listen(campaign_db.engine, "before_cursor_execute", count)
    try:
        done, out = _run(campaign_db, campaign_settings, _spec(customers, tmp_path))
    finally:
        sa.event.remove(campaign_db.engine, "before_cursor_execute", count)
    batches = 4  # 1,200 customers in batches of 300
    # Two passes (plan, assign), each batch one read of the list and one of the contacts.
    assert len(statements) == 2 * batches * 2
    assert (out.loc[[f"c{i}" for i in range(200)], "offer_id"] == "no_action").all()
    assert out.loc["c5", "contact_rule"] == "suppressed"
    assert done.summary["contact_rules"]["contact_limit"]["customers"] == 199


def test_an_offer_the_eligibility_rules_leave_out_is_not_held_back_by_a_contact_rule_too():
    customers = CustomerBatch(
        rows=np.arange(2), customer_ids=["a", "b"], churn_scores=np.array([0.2, 0.9]),
        contexts=[(), ()],
    )  # fmt: skip
    offers = [NO_ACTION, Offer(id="late", name="Late", category="loyalty"),
              Offer(id="soon", name="Soon", category="loyalty")]  # fmt: skip
    rules = CampaignContacts(ContactPolicy(), "sms", START, reward_window_days=7.0)
    history = ContactHistory(suppressions={"a": Suppression("a", "", START, "test")})
    held = rules.held(customers, offers, history)
    eligible = np.array([[True, False, True], [True, True, True]])
    scores = Scores(np.where(eligible, 0.5, -np.inf), np.where(eligible, 0.5, 0.0), eligible)
    screened, kept = held.applied(scores, [o.id for o in offers])
    assert screened.eligible.tolist() == [[True, False, False], [True, True, True]]
    assert kept.rules == ["suppressed", None]
    assert kept.reasons == [{"soon": "suppressed: on the suppression list"}, {}]
    assert np.isneginf(screened.rewards[0, 2]) and screened.accepts[0, 2] == 0.0
