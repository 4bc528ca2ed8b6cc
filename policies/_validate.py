"""Parameter and event checks shared by the policies; every error names its parameter."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

from policies.base import Candidate, Event
from policies.errors import InvalidParameter

_MIN_PROPENSITY = 1e-9


def real(name: str, value: object, low: float, high: float, *, open_low: bool = False) -> float:
    """A finite number in [low, high] (or (low, high] with `open_low`), else InvalidParameter."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        raise InvalidParameter(name, f"must be a finite number, got {value!r}")
    x = float(value)
    if x < low or x > high or (open_low and x == low):
        bracket = "(" if open_low else "["
        raise InvalidParameter(name, f"must be in {bracket}{low}, {high}], got {value!r}")
    return x


def integer(name: str, value: object, low: int, high: int) -> int:
    """An int (not a bool) in [low, high], else InvalidParameter."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameter(name, f"must be an integer in [{low}, {high}], got {value!r}")
    return value


def boolean(name: str, value: object) -> bool:
    """A bool, else InvalidParameter."""
    if not isinstance(value, bool):
        raise InvalidParameter(name, f"must be a bool, got {value!r}")
    return value


def candidates_given(candidates: Sequence[Candidate]) -> None:
    """Refuse an empty candidate list: there is nothing to rank."""
    if len(candidates) == 0:
        raise InvalidParameter("candidates", "at least one candidate is needed")


def index_in(name: str, value: object, size: int) -> int:
    """An int index into a sequence of `size` items, else InvalidParameter."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < size:
        raise InvalidParameter(name, f"must index the {size} candidates, got {value!r}")
    return value


def event_label(event: Event) -> tuple[int, float, float]:
    """Validate one event for learning; return the VW label `(chosen, cost, propensity)`."""
    if not isinstance(event, Event):
        raise InvalidParameter("events", f"expected Event, got {type(event).__name__}")
    p: object = event.propensity  # typed float, but logged data may hold anything
    if isinstance(p, bool) or not isinstance(p, Real) or not _MIN_PROPENSITY <= float(p) <= 1.0:
        # VW silently skips p=0 and resets p<0 or p>1: refuse instead of learning nothing.
        # Below 1e-9 the weight 1/p is absurd and VW's float parser is unreliable.
        raise InvalidParameter("propensity", f"must be in (0, 1] (at least 1e-9), got {p!r}")
    r: object = event.reward
    if isinstance(r, bool) or not isinstance(r, Real) or not -1.0 <= float(r) <= 1.0:
        raise InvalidParameter("reward", f"must be a number in [-1, 1], got {r!r}")
    candidates_given(event.candidates)
    chosen = index_in("chosen", event.chosen, len(event.candidates))
    return chosen, -float(r), float(p)
