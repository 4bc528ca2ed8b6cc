"""Offers: round trips, versions, status, contact counts and budgets."""

from __future__ import annotations

import dataclasses
from datetime import UTC, timedelta

import pytest

from nba.domain import Caps, Eligibility
from nba.errors import Conflict, InvalidInput, NotFound
from nba.storage import (
    Database,
    add_decision,
    add_offer,
    get_offer,
    list_offers,
    offer_budget_used,
    offer_counts,
    record_once,
    set_status,
    update_offer,
)

from .factories import T0, decision, offer, outcome


def test_offer_reads_back_equal_as_version_one(db: Database) -> None:
    with db.session() as session:
        stored = add_offer(session, offer(version=7))
    with db.session() as session:
        read = get_offer(session, "discount_10")
    assert read == stored
    assert read == dataclasses.replace(offer(), version=1, created_at=stored.created_at)
    assert read.created_at is not None and read.created_at.tzinfo == UTC
    assert read.starts_at == T0 and read.starts_at.tzinfo == UTC


def test_offer_with_defaults_reads_back_equal(db: Database) -> None:
    with db.session() as session:
        stored = add_offer(
            session,
            offer(
                value=None,
                features=(),
                starts_at=None,
                ends_at=None,
                eligibility=Eligibility(),
                caps=Caps(),
            ),
        )
    with db.session() as session:
        assert get_offer(session, "discount_10") == stored


def test_adding_an_existing_offer_id_is_a_conflict(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer())
    with pytest.raises(Conflict), db.session() as session:
        add_offer(session, offer(name="another"))
    with db.session() as session:
        assert get_offer(session, "discount_10").name == offer().name


def test_editing_an_offer_adds_the_next_version_and_keeps_the_old(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer())
        edited = update_offer(
            session, "discount_10", {"cost": 15.0, "caps": Caps(max_per_customer=1)}
        )
        update_offer(session, "discount_10", {"features": (("discount_pct", 20),)})
    with db.session() as session:
        assert edited.version == 2 and edited.cost == 15.0
        assert get_offer(session, "discount_10", version=2) == edited
        assert get_offer(session, "discount_10", version=1).cost == 12.5
        latest = get_offer(session, "discount_10")
    assert latest.version == 3
    assert latest.features == (("discount_pct", 20),)
    assert latest.caps == Caps(max_per_customer=1)


def test_editing_a_missing_offer_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound), db.session() as session:
        update_offer(session, "nope", {"cost": 1.0})
    with pytest.raises(NotFound), db.session() as session:
        set_status(session, "nope", "paused")


@pytest.mark.parametrize("field", ["id", "version", "created_at", "colour"])
def test_editing_a_fixed_or_unknown_field_is_invalid(db: Database, field: str) -> None:
    with db.session() as session:
        add_offer(session, offer())
    with pytest.raises(InvalidInput) as caught, db.session() as session:
        update_offer(session, "discount_10", {field: "x"})
    assert caught.value.field == field


def test_set_status_adds_a_version_with_that_status(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer())
        retired = set_status(session, "discount_10", "retired")
    with db.session() as session:
        assert retired.version == 2 and not retired.is_active
        assert get_offer(session, "discount_10").status == "retired"
    with pytest.raises(InvalidInput), db.session() as session:
        set_status(session, "discount_10", "deleted")


def test_list_offers_gives_the_latest_versions_by_id_filtered_by_status(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer("b_device", category="device"))
        add_offer(session, offer("a_loyalty", category="loyalty"))
        add_offer(session, offer("c_data", category="data_bonus"))
        set_status(session, "c_data", "paused")
        update_offer(session, "a_loyalty", {"name": "Loyalty v2"})
    with db.session() as session:
        offers = list_offers(session)
        active = list_offers(session, status="active")
        paused = list_offers(session, status="paused")
    assert [(o.id, o.version) for o in offers] == [("a_loyalty", 2), ("b_device", 1), ("c_data", 2)]
    assert offers[0].name == "Loyalty v2"
    assert [o.id for o in active] == ["a_loyalty", "b_device"]
    assert [o.id for o in paused] == ["c_data"]


def test_offer_counts_count_this_customers_choices_since_the_window_start(db: Database) -> None:
    with db.session() as session:
        for days_ago, customer, chosen in [
            (1, "c1", "discount_10"),
            (2, "c1", "discount_10"),
            (40, "c1", "discount_10"),
            (1, "c2", "discount_10"),
            (1, "c1", "device"),
        ]:
            add_decision(session, decision(customer, chosen, ts=T0 - timedelta(days=days_ago)))
        counts = offer_counts(
            session, "c1", ["discount_10", "device", "loyalty"], since=T0 - timedelta(days=30)
        )
    assert counts == {"discount_10": 2, "device": 1, "loyalty": 0}


def test_offer_budget_costs_accepts_at_the_version_decided(db: Database) -> None:
    with db.session() as session:
        add_offer(session, offer(cost=10.0))
        first = decision(chosen_version=1)
        declined = decision(chosen_version=1)
        update_offer(session, "discount_10", {"cost": 30.0})
        second = decision(chosen_version=2)
        undecided = decision(chosen_version=2)
        for d in (first, declined, second, undecided):
            add_decision(session, d)
        record_once(session, outcome(first.id, accepted=True))
        record_once(session, outcome(declined.id, accepted=False))
        record_once(session, outcome(second.id, accepted=True))
        used = offer_budget_used(session, ["discount_10", "device"])
    assert used == {"discount_10": (2, 40.0), "device": (0, 0.0)}
