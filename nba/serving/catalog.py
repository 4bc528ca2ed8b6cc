"""The offer catalog: parse and validate offer specs, add, edit (new version), pause, retire."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from nba.clock import parse_time
from nba.domain import (
    CATEGORIES,
    NO_ACTION_ID,
    STATUSES,
    Caps,
    Condition,
    Eligibility,
    Offer,
)
from nba.errors import InvalidInput, NotFound
from nba.serving.eligibility import OPERATORS
from nba.serving.offer_cache import OfferCache
from nba.storage import Database, offers
from policies.base import freeze_features

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
EDITABLE = (
    "name",
    "description",
    "category",
    "cost",
    "value",
    "features",
    "eligibility",
    "caps",
    "starts_at",
    "ends_at",
    "status",
)

NO_ACTION = Offer(
    id=NO_ACTION_ID,
    name="No action",
    category="none",
    description="Do not contact the customer: the baseline every offer must beat.",
)


def parse_offer(data: Mapping[str, object]) -> Offer:
    """A new offer from a JSON/YAML mapping; every problem names its field."""
    if not isinstance(data, Mapping):
        raise InvalidInput("body", "an offer must be a JSON object")
    unknown = set(data) - {"id", *EDITABLE}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a known offer field")
    offer_id = data.get("id")
    if not isinstance(offer_id, str) or not ID_PATTERN.match(offer_id):
        raise InvalidInput("id", "must be a slug: lowercase letters, digits, '_' or '-', ≤ 64")
    if "name" not in data:
        raise InvalidInput("name", "is required")
    if "category" not in data:
        raise InvalidInput("category", "is required")
    return _checked(Offer(id=offer_id, **parse_changes(data, skip=("id",))))


def parse_changes(data: Mapping[str, object], skip: Sequence[str] = ()) -> dict[str, object]:
    """Validate a partial offer mapping (for PATCH) into Offer field values."""
    changes: dict[str, object] = {}
    for key, raw in data.items():
        if key in skip:
            continue
        if key not in EDITABLE:
            raise InvalidInput(key, "is not an editable offer field")
        changes[key] = _PARSERS[key](raw, key)
    return changes


def _checked(offer: Offer) -> Offer:
    if offer.starts_at and offer.ends_at and offer.starts_at >= offer.ends_at:
        raise InvalidInput("ends_at", "must be after starts_at")
    return offer


def _name(raw: object, field: str) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 200:
        raise InvalidInput(field, "must be a non-empty string of at most 200 characters")
    return raw


def _description(raw: object, field: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or len(raw) > 2000:
        raise InvalidInput(field, "must be a string of at most 2000 characters")
    return raw


def _category(raw: object, field: str) -> str:
    if raw not in CATEGORIES:
        raise InvalidInput(field, f"must be one of {', '.join(CATEGORIES)}, got {raw!r}")
    return str(raw)


def _status(raw: object, field: str) -> str:
    if raw not in STATUSES:
        raise InvalidInput(field, f"must be one of {', '.join(STATUSES)}, got {raw!r}")
    return str(raw)


def _money(raw: object, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise InvalidInput(field, f"must be a finite number, got {raw!r}")
    if raw < 0:
        raise InvalidInput(field, f"must not be negative, got {raw}")
    return float(raw)


def _optional_money(raw: object, field: str) -> float | None:
    return None if raw is None else _money(raw, field)


def _time(raw: object, field: str) -> datetime | None:
    return None if raw is None else parse_time(raw, field)


def _features(raw: object, field: str) -> tuple:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be an object of numbers or strings")
    for key, value in raw.items():
        if not isinstance(key, str) or not key.strip() or len(key) > 100:
            raise InvalidInput(f"{field}.{key}", "feature names must be 1 to 100 characters")
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput(f"{field}.{key}", "must be finite")
        if not isinstance(value, bool | int | float | str):
            raise InvalidInput(f"{field}.{key}", "must be a number, string or boolean")
    return freeze_features(raw)


def _eligibility(raw: object, field: str) -> Eligibility:
    if raw is None:
        return Eligibility()
    if isinstance(raw, Eligibility):
        return raw
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be an object")
    allowed = {"churn_min", "churn_max", "segments", "plans", "channels", "conditions"}
    for key in raw:
        if key not in allowed:
            raise InvalidInput(f"{field}.{key}", "is not a known eligibility rule")
    low = _unit(raw.get("churn_min", 0.0), f"{field}.churn_min")
    high = _unit(raw.get("churn_max", 1.0), f"{field}.churn_max")
    if low > high:
        raise InvalidInput(f"{field}.churn_max", "must not be below churn_min")
    conditions = raw.get("conditions") or []
    if not isinstance(conditions, list):
        raise InvalidInput(f"{field}.conditions", "must be a list")
    return Eligibility(
        churn_min=low,
        churn_max=high,
        segments=_strings(raw.get("segments"), f"{field}.segments"),
        plans=_strings(raw.get("plans"), f"{field}.plans"),
        channels=_strings(raw.get("channels"), f"{field}.channels"),
        conditions=tuple(
            _condition(c, f"{field}.conditions[{i}]") for i, c in enumerate(conditions)
        ),
    )


def _condition(raw: object, field: str) -> Condition:
    if not isinstance(raw, Mapping) or set(raw) != {"field", "op", "value"}:
        raise InvalidInput(field, "must be an object with field, op and value")
    if not isinstance(raw["field"], str) or not raw["field"]:
        raise InvalidInput(f"{field}.field", "must be a context field name")
    if raw["op"] not in OPERATORS:
        raise InvalidInput(f"{field}.op", f"must be one of {', '.join(OPERATORS)}")
    value = raw["value"]
    if raw["op"] in ("in", "not_in"):
        if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
            raise InvalidInput(f"{field}.value", "must be a list of numbers or strings")
        value = tuple(value)
    elif not isinstance(value, str | int | float):
        raise InvalidInput(f"{field}.value", "must be a number, string or boolean")
    return Condition(raw["field"], raw["op"], value)


def _caps(raw: object, field: str) -> Caps:
    if raw is None:
        return Caps()
    if isinstance(raw, Caps):
        return raw
    if not isinstance(raw, Mapping):
        raise InvalidInput(field, "must be an object")
    allowed = {"max_per_customer", "window_days", "budget_accepts", "budget_money"}
    for key in raw:
        if key not in allowed:
            raise InvalidInput(f"{field}.{key}", "is not a known cap")
    return Caps(
        max_per_customer=_count(raw.get("max_per_customer"), f"{field}.max_per_customer"),
        window_days=_count(raw.get("window_days", 30), f"{field}.window_days") or 30,
        budget_accepts=_count(raw.get("budget_accepts"), f"{field}.budget_accepts"),
        budget_money=_optional_money(raw.get("budget_money"), f"{field}.budget_money"),
    )


def _unit(raw: object, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 1:
        raise InvalidInput(field, f"must be a number in [0, 1], got {raw!r}")
    return float(raw)


def _count(raw: object, field: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise InvalidInput(field, f"must be a non-negative integer, got {raw!r}")
    return raw


def _strings(raw: object, field: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise InvalidInput(field, "must be a list of strings")
    return tuple(raw)


_PARSERS = {
    "name": _name,
    "description": _description,
    "category": _category,
    "cost": _money,
    "value": _optional_money,
    "features": _features,
    "eligibility": _eligibility,
    "caps": _caps,
    "starts_at": _time,
    "ends_at": _time,
    "status": _status,
}


class OfferCatalog:
    """Marketers' operations on offers; each call is one transaction."""

    def __init__(self, database: Database, cache: OfferCache | None = None) -> None:
        self._database = database
        self._cache = cache

    def _changed(self) -> None:
        if self._cache is not None:
            self._cache.invalidate()

    def ensure_no_action(self) -> None:
        """Create the built-in `no_action` offer once."""
        with self._database.session() as session:
            if offers.get_offer(session, NO_ACTION_ID) is None:
                offers.add_offer(session, NO_ACTION)
        self._changed()

    def add(self, data: Mapping[str, object]) -> Offer:
        """Add a new offer at version 1 (Conflict if the id exists)."""
        offer = parse_offer(data)
        with self._database.session() as session:
            added = offers.add_offer(session, offer)
        self._changed()
        return added

    def edit(self, offer_id: str, data: Mapping[str, object]) -> Offer:
        """Apply changes as a new version of the offer."""
        changes = parse_changes(data)
        if not changes:
            raise InvalidInput("body", "names no field to change")
        with self._database.session() as session:
            current = offers.get_offer(session, offer_id)
            if current is None:
                raise NotFound("offer", offer_id)
            _checked(replace(current, **changes))
            edited = offers.update_offer(session, offer_id, changes)
        self._changed()
        return edited

    def set_status(self, offer_id: str, status: str) -> Offer:
        """Pause, resume or retire an offer (a new version with that status)."""
        _status(status, "status")
        with self._database.session() as session:
            if offers.get_offer(session, offer_id) is None:
                raise NotFound("offer", offer_id)
            changed = offers.set_status(session, offer_id, status)
        self._changed()
        return changed

    def get(self, offer_id: str, version: int | None = None) -> Offer:
        """The latest (or a given) version of an offer."""
        with self._database.session(readonly=True) as session:
            offer = offers.get_offer(session, offer_id, version)
        if offer is None:
            raise NotFound("offer", offer_id if version is None else f"{offer_id}@{version}")
        return offer

    def list(self, status: str | None = None) -> list[Offer]:
        """The latest version of every offer, optionally of one status."""
        if status is not None:
            _status(status, "status")
        with self._database.session(readonly=True) as session:
            return offers.list_offers(session, status)
