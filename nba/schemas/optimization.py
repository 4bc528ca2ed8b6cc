"""Auto-optimize's comparisons of the challengers with the champion, as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from nba.domain import Optimization
from nba.schemas._common import Reply, Timestamp


class OptimizationReply(Reply):
    """One comparison: its rows, the champion, each challenger's estimates and verdict, and the
    version promoted (None when nothing changed; `note` says why nothing was compared)."""

    id: int
    computed_at: Timestamp
    champion_version: int | None
    rows: int
    challengers: list[dict[str, object]]
    promoted: str | None
    promoted_version: int | None
    note: str | None

    @classmethod
    def of(cls, found: Optimization) -> Self:
        """The reply of a stored comparison."""
        return cls(
            id=found.id,
            computed_at=found.computed_at,
            champion_version=found.champion_version,
            rows=found.rows,
            challengers=[dict(r) for r in found.results],
            promoted=found.promoted,
            promoted_version=found.promoted_version,
            note=found.note,
        )


class OptimizationList(Reply):
    """GET /v1/models/optimization: the comparisons, newest first."""

    optimizations: list[OptimizationReply]


def optimization_reply(found: Optimization) -> dict[str, object]:
    """The JSON form of one comparison."""
    return OptimizationReply.of(found).model_dump(mode="json")


def optimization_list_reply(history: Sequence[Optimization]) -> dict[str, object]:
    """The JSON form of comparisons, in the order given."""
    replies = [OptimizationReply.of(o) for o in history]
    return OptimizationList(optimizations=replies).model_dump(mode="json")
