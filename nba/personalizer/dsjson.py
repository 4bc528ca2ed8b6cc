"""Decision Service JSON (DSJSON): Personalizer's log format, read and written per loop.

Written as Personalizer wrote it, one event per line, the label keys before `c` (VW's
`--dsjson` parser ignores labels placed after it): `_label_cost` (-reward), `_label_probability`,
`_label_Action` (1-based), `_labelIndex` (0-based), `o` (the rewards received, `v`), `Timestamp`,
`Version`, `EventId`, `a` (1-based action indexes, chosen first), `c` (`FromUrl`: the rank's
`contextFeatures`; `_multi`: per action `_tag`, `i` `{constant, id}` and `j`: its features),
`p` (probabilities in the order of `a`), `VWState` (`m`: the model version that ranked).

Read, with what real Decision Service logs hold: the same `_tag` twice in `_multi` (action
identity is the position: a repeat becomes `tag#k`), `pdrop` (the share of events the logger
dropped at random: no bias for averages, so only reported), `_skipLearn` (an event not to
learn from: no reward), outcomes in `o` when there is no `_label_cost` (the first `v`), and
the older form with `_multi` and `_label_Cost` / `_label_Probability` at the top level (no
`a`/`p`: the chosen action's probability is the only one known, the rest share what is left).
Lines with neither `c` nor a top-level `_multi` (separate outcome lines) are skipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nba.errors import InvalidInput
from nba.personalizer.values import LoggedSlot

__all__ = ["DsjsonEvent", "dsjson_lines", "parse_event", "read_events"]

_ID_KEYS = ("id", "offer_id")


@dataclass(frozen=True, slots=True)
class DsjsonEvent:
    """One logged decision of a DSJSON file, normalised.

    `context` is the rank's `contextFeatures` (a list of feature objects), `actions` the
    `(id, feature objects)` pairs in `_multi` order, `probabilities` follow them, `chosen`
    indexes them. `reward` is None when none came (or `_skipLearn`).
    """

    event_id: str
    timestamp: datetime | None
    context: tuple[Any, ...]
    actions: tuple[tuple[str, tuple[Any, ...]], ...]
    probabilities: tuple[float, ...]
    chosen: int
    propensity: float
    reward: float | None
    skip_learn: bool
    pdrop: float


def read_events(path: str | Path) -> Iterator[DsjsonEvent]:
    """The decisions of a DSJSON file, in order (InvalidInput naming the line if one is bad)."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as error:
                raise InvalidInput("log", f"line {number}: not JSON ({error})") from None
            event = parse_event(obj, number)
            if event is not None:
                yield event


def parse_event(obj: object, number: int = 0) -> DsjsonEvent | None:
    """One DSJSON line's decision, or None for a line that holds none (an outcome line)."""
    if not isinstance(obj, Mapping):
        raise InvalidInput("log", f"line {number}: not a JSON object")
    if isinstance(obj.get("c"), Mapping):
        shared, actions = _split_context(obj["c"], number)
    elif isinstance(obj.get("_multi"), list):  # the older form: everything at the top level
        shared = {k: v for k, v in obj.items() if k != "_multi" and not k.startswith("_")}
        actions = obj["_multi"]
    else:
        return None
    if not actions:
        raise InvalidInput("c._multi", f"line {number}: must list the actions")
    ids = _ids(actions)
    chosen = _chosen(obj, number)
    if chosen is None:
        return None  # no label: a prediction-only line
    if not 0 <= chosen < len(actions):
        raise InvalidInput("_labelIndex", f"line {number}: {chosen} is not an action index")
    propensity = _number(obj.get("_label_probability", obj.get("_label_Probability")))
    probabilities = _probabilities(obj, len(actions), chosen, propensity, number)
    if propensity is None:
        propensity = probabilities[chosen]
    if not 0.0 < propensity <= 1.0:
        raise InvalidInput("_label_probability", f"line {number}: must be in (0, 1]")
    skip = bool(obj.get("_skipLearn", False))
    return DsjsonEvent(
        event_id=str(obj.get("EventId", f"line-{number}")),
        timestamp=_timestamp(obj.get("Timestamp")),
        context=_context(shared),
        actions=tuple((i, _features(a)) for i, a in zip(ids, actions, strict=True)),
        probabilities=probabilities,
        chosen=chosen,
        propensity=propensity,
        reward=None if skip else _reward(obj),
        skip_learn=skip,
        pdrop=float(_number(obj.get("pdrop")) or 0.0),
    )


def dsjson_lines(slots: Iterable[LoggedSlot]) -> Iterator[str]:
    """DSJSON lines of logged slots (a multi-slot event's slot as `EventId` `event/slot`, its
    slot id and features in the context)."""
    for slot in slots:
        k = len(slot.actions)
        order = [slot.chosen, *(i for i in range(k) if i != slot.chosen)]
        event: dict[str, Any] = {}
        reward = slot.learned_reward if slot.learned_at is not None else slot.reward
        if reward is not None:
            event["_label_cost"] = -float(reward)
        event["_label_probability"] = slot.propensity
        event["_label_Action"] = slot.chosen + 1
        event["_labelIndex"] = slot.chosen
        if slot.reward is not None:
            event["o"] = [{"v": slot.reward, "EventId": slot.event_id, "ActionTaken": False}]
        event["Timestamp"] = slot.ts.isoformat()
        event["Version"] = "1"
        event["EventId"] = f"{slot.event_id}/{slot.slot_id}" if slot.slot_id else slot.event_id
        event["a"] = [i + 1 for i in order]
        context = list(slot.context)
        if slot.slot_id:
            context += [*(slot.slot_features or ()), {"_slot": {"id": slot.slot_id}}]
        event["c"] = {
            "FromUrl": context,
            "_multi": [{"_tag": a, "i": {"constant": 1, "id": a}, "j": list(f)}
                       for a, f in slot.actions],
        }  # fmt: skip
        event["p"] = [slot.probabilities[i] for i in order]
        event["VWState"] = {"m": str(slot.model_version or 0)}
        if not slot.is_active:
            event["_skipLearn"] = True
        yield json.dumps(event)


def _split_context(c: Mapping[str, Any], number: int) -> tuple[dict[str, Any], list[Any]]:
    actions = c.get("_multi")
    if not isinstance(actions, list):
        raise InvalidInput("c._multi", f"line {number}: must list the actions")
    return {k: v for k, v in c.items() if k != "_multi"}, actions


def _context(shared: dict[str, Any]) -> tuple[Any, ...]:
    # Personalizer logged a rank's contextFeatures as c.FromUrl; other logs: one object per key.
    from_url = shared.get("FromUrl")
    if isinstance(from_url, list) and all(isinstance(o, Mapping) for o in from_url):
        return tuple(from_url)
    return tuple({k: v} for k, v in shared.items() if not k.startswith("_"))


def _features(action: object) -> tuple[Any, ...]:
    # Personalizer logged an action's features as `j` (and its id as `i`).
    if not isinstance(action, Mapping):
        return ()
    j = action.get("j")
    if isinstance(j, list) and all(isinstance(o, Mapping) for o in j):
        return tuple(j)
    return tuple({k: v} for k, v in action.items() if not k.startswith("_"))


def _ids(actions: Sequence[Any]) -> list[str]:
    ids = []
    for k, action in enumerate(actions):
        found = None
        if isinstance(action, Mapping):
            found = action.get("_tag")
            for key in _ID_KEYS if found is None else ():
                found = action.get(key) if key in action else _nested(action, key)
                if found is not None:
                    break
        ids.append(str(found) if found is not None else f"action_{k}")
    seen: set[str] = set()
    unique = []
    for k, action_id in enumerate(ids):
        unique.append(action_id if action_id not in seen else f"{action_id}#{k}")
        seen.add(action_id)
    return unique


def _nested(mapping: Mapping[str, Any], key: str) -> object:
    for value in mapping.values():
        if isinstance(value, Mapping) and key in value:
            return value[key]
    return None


def _chosen(obj: Mapping[str, Any], number: int) -> int | None:
    try:
        if "_labelIndex" in obj:
            return int(obj["_labelIndex"])
        if "_label_Action" in obj and int(obj["_label_Action"]) > 0:
            return int(obj["_label_Action"]) - 1
        if isinstance(obj.get("a"), list) and obj["a"] and "_label_cost" in obj:
            return int(obj["a"][0]) - 1
    except (TypeError, ValueError):
        raise InvalidInput("_labelIndex", f"line {number}: not an integer") from None
    return None


def _probabilities(
    obj: Mapping[str, Any], k: int, chosen: int, propensity: float | None, number: int
) -> tuple[float, ...]:
    order, p = obj.get("a"), obj.get("p")
    if isinstance(order, list) and isinstance(p, list) and order:
        if len(order) != k or len(p) != k or sorted(int(i) for i in order) != list(range(1, k + 1)):
            raise InvalidInput("a", f"line {number}: 'a' and 'p' must list each action once")
        probabilities = [0.0] * k
        for index, value in zip(order, p, strict=True):
            probabilities[int(index) - 1] = float(value)
        total = sum(probabilities)
        return tuple(x / total for x in probabilities)
    if propensity is None:
        raise InvalidInput("_label_probability", f"line {number}: no probability of the choice")
    rest = (1.0 - propensity) / (k - 1) if k > 1 else 0.0
    return tuple(propensity if i == chosen else rest for i in range(k))


def _reward(obj: Mapping[str, Any]) -> float | None:
    cost = _number(obj.get("_label_cost", obj.get("_label_Cost")))
    if cost is not None:
        return -cost
    for outcome in obj.get("o") or ():
        if isinstance(outcome, Mapping) and _number(outcome.get("v")) is not None:
            return _number(outcome["v"])
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    text = value.rstrip("Z")
    head, dot, fraction = text.partition(".")
    try:  # .NET writes 7 fractional digits; Python reads at most 6
        stamp = datetime.fromisoformat(head + (dot + fraction[:6] if dot else ""))
    except ValueError:
        return None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp
