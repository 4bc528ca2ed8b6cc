"""Values of the Personalizer loops that cross layers: loops, logged slots, published models."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["DEFAULT_LOOP", "LoggedSlot", "Loop", "PublishedModel"]

DEFAULT_LOOP = "default"
"""The loop that answers keys that belong to no loop; made on first use."""


@dataclass(frozen=True, slots=True)
class Loop:
    """A learning loop: its name, its stored service configuration and learning settings."""

    name: str
    service: dict[str, Any]
    policy: dict[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class LoggedSlot:
    """One ranked slot of a logged event (`slot_id` "" for single-slot events).

    `actions` are `(id, feature objects)` of the candidates, in ranked order; `chosen`
    indexes them; `probabilities` follow them; `reward` is the aggregated reward so far.
    """

    loop: str
    event_id: str
    slot_id: str
    ts: datetime
    context: tuple[Any, ...]
    slot_features: tuple[Any, ...] | None
    actions: tuple[tuple[str, tuple[Any, ...]], ...]
    excluded: tuple[str, ...]
    probabilities: tuple[float, ...]
    chosen: int
    propensity: float
    mode: str
    is_active: bool
    activated_at: datetime | None
    reward: float | None
    reward_count: int
    learned_at: datetime | None
    learned_reward: float | None
    model_version: int | None = None


@dataclass(frozen=True, slots=True)
class PublishedModel:
    """A loop's published model: VWPolicy `save()` bytes and the parameters to rebuild it."""

    loop: str
    version: int
    data: bytes
    params: dict[str, Any]
    source: str
    events: int
    created_at: datetime
