"""An offer's versions: each with who made it, when, and what changed field by field."""

from __future__ import annotations

from nba.domain import Actor
from nba.runtime import Runtime
from nba.serving.offer_history import FieldChange


def test_each_version_names_its_author_and_what_changed_since_the_one_before(
    runtime: Runtime,
) -> None:
    key, _ = runtime.keys.create("marketer", "Mia from marketing")
    mia = Actor.of_key(key)
    runtime.catalog.edit(
        "discount_10",
        {"cost": 6.0, "features": {"discount_pct": 15, "channel": "any", "months": 3}},
        actor=mia,
    )
    runtime.catalog.set_status("discount_10", "paused", actor=mia)
    runtime.catalog.edit("discount_10", {"eligibility": {"churn_min": 0.4, "plans": ["gold"]}})
    newest, paused, edited, first = runtime.catalog.versions("discount_10")
    assert [v.offer.version for v in (newest, paused, edited, first)] == [4, 3, 2, 1]
    assert (first.action, first.actor, first.changes) == ("create", Actor.system(), ())
    assert (edited.action, edited.actor, edited.actor_name) == ("edit", mia, "Mia from marketing")
    assert edited.changes == (
        FieldChange("cost", 5.0, 6.0),
        FieldChange("features.discount_pct", 10, 15),
        FieldChange("features.months", None, 3),
    )
    assert (paused.action, paused.changes) == (
        "pause",
        (FieldChange("status", "active", "paused"),),
    )
    assert newest.changes == (
        FieldChange("eligibility.churn_min", 0.3, 0.4),
        FieldChange("eligibility.plans", [], ["gold"]),
    )
    assert newest.ts is not None and edited.ts is not None and newest.ts >= edited.ts
