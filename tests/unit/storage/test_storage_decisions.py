"""Decisions: round trips, filters and the log frame."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from nba.errors import InvalidInput
from nba.logschema import EXPORT_COLUMNS, read_log, write_log
from nba.storage import (
    Database,
    add_decision,
    count_decisions,
    get_decision,
    list_decisions,
    log_frame,
    record_once,
)

from .factories import T0, decision, outcome


def test_decision_reads_back_equal(db: Database) -> None:
    logged = decision()
    with db.session() as session:
        add_decision(session, logged)
    with db.session() as session:
        read = get_decision(session, logged.id)
    assert read == logged
    assert read.ts.tzinfo == UTC
    assert read.context_dict["vip"] is True and read.chosen_index == 0


def test_decision_time_in_another_zone_comes_back_as_the_same_instant_in_utc(
    db: Database,
) -> None:
    local = T0.astimezone(timezone(timedelta(hours=-5)))
    logged = dataclasses.replace(decision(), ts=local)
    with db.session() as session:
        add_decision(session, logged)
    with db.session() as session:
        read = get_decision(session, logged.id)
    assert read.ts == T0 and read.ts.utcoffset() == timedelta(0)


def test_unknown_decision_is_none(db: Database) -> None:
    with db.session() as session:
        assert get_decision(session, "missing") is None
        assert count_decisions(session) == 0


def test_decision_choosing_an_offer_it_was_not_offered_is_invalid(db: Database) -> None:
    bad = dataclasses.replace(decision(), chosen="device")
    with pytest.raises(InvalidInput), db.session() as session:
        add_decision(session, bad)


def test_list_decisions_filters_by_time_channel_and_offer(db: Database) -> None:
    ds = [
        decision(ts=T0, channel="sms"),
        decision(ts=T0 + timedelta(hours=1), channel="call", chosen="device"),
        decision(ts=T0 + timedelta(hours=2), channel=None),
        decision(ts=T0 + timedelta(hours=3), channel="sms"),
    ]
    with db.session() as session:
        for d in reversed(ds):
            add_decision(session, d)
        every = list_decisions(session)
        window = list_decisions(session, start=ds[1].ts, end=ds[3].ts)
        sms = list_decisions(session, channel="sms")
        device = list_decisions(session, offer_ids=["device"])
        first_two = list_decisions(session, limit=2)
    assert every == ds
    assert window == ds[1:3]
    assert sms == [ds[0], ds[3]]
    assert device == [ds[1]]
    assert first_two == ds[:2]
    assert count_decisions_in(db) == 4


def count_decisions_in(db: Database) -> int:
    with db.session() as session:
        return count_decisions(session)


def test_log_frame_has_the_logged_data_schema_with_null_reward_without_outcome(
    db: Database,
) -> None:
    answered, open_ = decision(ts=T0), decision(ts=T0 + timedelta(minutes=1), chosen="device")
    with db.session() as session:
        add_decision(session, answered)
        add_decision(session, open_)
        record_once(session, outcome(answered.id, accepted=True))
        frame = log_frame(session)
    assert tuple(frame.columns) == EXPORT_COLUMNS
    assert len(frame) == 2
    first, second = frame.iloc[0], frame.iloc[1]
    assert first["decision_id"] == answered.id
    assert first["ts"] == pd.Timestamp(T0)
    assert str(frame["ts"].dt.tz) == "UTC"
    assert first["customer_id"] == "c1" and first["churn_score"] == 0.73
    assert json.loads(first["context"]) == answered.context_dict
    assert list(first["eligible"]) == ["discount_10", "no_action"]
    assert list(first["probabilities"]) == [0.8, 0.2]
    assert first["offer_id"] == "discount_10" and first["propensity"] == 0.8
    assert first["reward"] == 1.0 and bool(first["accepted"]) is True
    assert first["policy"] == "vw" and first["model_version"] == 3
    assert second["offer_id"] == "device"
    assert pd.isna(second["reward"]) and pd.isna(second["accepted"])


def test_log_frame_filters_like_list_decisions(db: Database) -> None:
    ds = [decision(ts=T0 + timedelta(hours=i), channel=c) for i, c in enumerate("ab")]
    with db.session() as session:
        for d in ds:
            add_decision(session, d)
        frame = log_frame(session, start=T0 + timedelta(minutes=1), channel="b")
    assert list(frame["decision_id"]) == [ds[1].id]


def test_log_frame_of_an_empty_log_still_has_every_column(db: Database) -> None:
    with db.session() as session:
        frame = log_frame(session)
    assert tuple(frame.columns) == EXPORT_COLUMNS and frame.empty


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_log_frame_survives_an_export_round_trip(db: Database, tmp_path: Path, suffix: str) -> None:
    answered, open_ = decision(ts=T0), decision(ts=T0 + timedelta(minutes=1))
    with db.session() as session:
        add_decision(session, answered)
        add_decision(session, open_)
        record_once(session, outcome(answered.id))
        frame = log_frame(session)
    read = read_log(write_log(frame, tmp_path / f"log{suffix}"))
    assert list(read["decision_id"]) == [answered.id, open_.id]
    assert [list(p) for p in read["probabilities"]] == [[0.8, 0.2], [0.8, 0.2]]
    assert read["reward"].iloc[0] == 1.0 and pd.isna(read["reward"].iloc[1])
