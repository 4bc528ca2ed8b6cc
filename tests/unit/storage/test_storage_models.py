"""Model versions: numbering, one active version, listing without bytes, pins."""

from __future__ import annotations

import pytest

from nba.domain import ModelVersion
from nba.errors import NotFound
from nba.storage import (
    Database,
    activate_model_version,
    active_model_version,
    add_model_version,
    get_model_version,
    latest_model_version,
    list_model_versions,
    set_pinned,
)

from .factories import T0


def _add(db: Database, data: bytes = b"\x00vw\xff", activate: bool = True) -> ModelVersion:
    with db.session() as session:
        return add_model_version(
            session,
            "vw",
            {"epsilon": 0.05, "interactions": ["ca", "cc"], "seed": None},
            data,
            watermark=T0,
            metrics={"events": 120, "mean_reward": 0.25},
            activate=activate,
        )


def test_model_version_reads_back_equal(db: Database) -> None:
    stored = _add(db)
    with db.session() as session:
        read = get_model_version(session, 1)
        assert get_model_version(session, 99) is None
    assert read == stored
    assert read.params == (("epsilon", 0.05), ("interactions", ("ca", "cc")), ("seed", None))
    assert read.metrics == (("events", 120.0), ("mean_reward", 0.25))
    assert read.data == b"\x00vw\xff" and read.watermark == T0 and read.is_active


def test_versions_count_up_and_activating_one_deactivates_the_others(db: Database) -> None:
    first, second = _add(db), _add(db)
    assert (first.version, second.version) == (1, 2)
    with db.session() as session:
        assert active_model_version(session).version == 2
        rolled_back = activate_model_version(session, 1)
    with db.session() as session:
        assert rolled_back.is_active
        assert active_model_version(session).version == 1
        assert [v.is_active for v in list_model_versions(session)] == [False, True]
        assert latest_model_version(session).version == 2


def test_a_version_added_without_activation_leaves_the_active_one(db: Database) -> None:
    _add(db)
    candidate = _add(db, activate=False)
    with db.session() as session:
        assert not candidate.is_active
        assert active_model_version(session).version == 1


def test_no_versions_means_none_active_or_latest(db: Database) -> None:
    with db.session() as session:
        assert active_model_version(session) is None
        assert latest_model_version(session) is None
        assert list_model_versions(session) == []


def test_listing_gives_newest_first_without_the_bytes(db: Database) -> None:
    _add(db, b"one")
    _add(db, b"two")
    with db.session() as session:
        listed = list_model_versions(session)
    assert [v.version for v in listed] == [2, 1]
    assert [v.data for v in listed] == [b"", b""]
    assert listed[0].policy == "vw" and listed[0].watermark == T0


def test_pinning_and_unpinning_a_version(db: Database) -> None:
    _add(db)
    with db.session() as session:
        assert set_pinned(session, 1, True).is_pinned
    with db.session() as session:
        assert get_model_version(session, 1).is_pinned
        assert not set_pinned(session, 1, False).is_pinned


def test_activating_or_pinning_a_missing_version_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound), db.session() as session:
        activate_model_version(session, 5)
    with pytest.raises(NotFound), db.session() as session:
        set_pinned(session, 5, True)
