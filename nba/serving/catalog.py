"""The offer catalog: add, edit (a new version), pause and retire offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlmodel import Session

from nba.clock import utc_now
from nba.domain import NO_ACTION_ID, STATUSES, Actor, Offer
from nba.errors import Conflict, InvalidInput, NotFound
from nba.schemas import OfferBody, OfferPatch, new_offer, offer_changes, offer_reply, parse
from nba.serving import budgets
from nba.serving.offer_cache import OfferCache
from nba.serving.offer_history import OfferHistory, OfferVersion
from nba.storage import Database, audit, offers

NO_ACTION = Offer(
    id=NO_ACTION_ID,
    name="No action",
    category="none",
    description="Do not contact the customer: the baseline every offer must beat.",
)


def _checked(offer: Offer) -> Offer:
    if offer.starts_at and offer.ends_at and offer.starts_at >= offer.ends_at:
        raise InvalidInput("ends_at", "must be after starts_at")
    return offer


def lock_reason(offer: Offer) -> str | None:
    """Why `offer` can no longer be edited, paused or resumed, or None if it can.

    The built-in `no_action` never changes; a retired offer is retired for good.
    """
    if offer.id == NO_ACTION_ID:
        return (
            f"{NO_ACTION_ID!r} is built in and cannot be edited, paused or retired; "
            "switch it off with the setting no_action_enabled"
        )
    if offer.status == "retired":
        return f"offer {offer.id!r} is retired for good; add a new offer instead"
    return None


def _changeable(current: Offer, status: str | None, *, edits_fields: bool = False) -> None:
    """Refuse what may never change: the built-in `no_action`, a retired offer (retiring it
    again changes nothing and is allowed)."""
    reason = lock_reason(current)
    if reason is None:
        return
    if current.id == NO_ACTION_ID:
        raise Conflict(reason, field="offer_id")
    if edits_fields:
        raise Conflict(
            f"offer {current.id!r} is retired for good and cannot be edited; "
            "add a new offer instead",
            field="offer_id",
        )
    if status is not None and status != "retired":
        raise Conflict(
            f"offer {current.id!r} is retired for good and cannot become {status}; "
            "add a new offer instead",
            field="status",
        )


def _status(raw: str) -> str:
    if raw not in STATUSES:
        raise InvalidInput("status", f"must be one of {', '.join(STATUSES)}, got {raw!r}")
    return raw


_STATUS_ACTIONS = {"active": "resume", "paused": "pause", "retired": "retire"}


def _audit(session: Session, actor: Actor, action: str, before: Offer | None, after: Offer) -> None:
    # Caps and budgets are part of the offer, so their changes show in `before` / `after`.
    was = None if before is None else offer_reply(before)
    audit.record_change(
        session, actor, "offer", after.id, action, before=was, after=offer_reply(after)
    )


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
                added = offers.add_offer(session, NO_ACTION)
                _audit(session, Actor.system(), "create", None, added)
        self._changed()

    def add(
        self, spec: OfferBody | Mapping[str, object], *, actor: Actor = Actor.system()
    ) -> Offer:
        """Add a new offer at version 1 (Conflict if the id exists).

        `spec` is a validated body, or a mapping (from a file) that is validated as one.
        """
        body = spec if isinstance(spec, OfferBody) else parse(OfferBody, spec)
        offer = _checked(new_offer(body))
        with self._database.session() as session:
            added = offers.add_offer(session, offer)
            budgets.open_budgets(session, added, utc_now())
            _audit(session, actor, "create", None, added)
        self._changed()
        return added

    def edit(
        self,
        offer_id: str,
        spec: OfferPatch | Mapping[str, object],
        *,
        actor: Actor = Actor.system(),
    ) -> Offer:
        """Apply changes as a new version of the offer.

        `spec` is a validated body, or a mapping that is validated as one.
        """
        changes = offer_changes(spec if isinstance(spec, OfferPatch) else parse(OfferPatch, spec))
        if not changes:
            raise InvalidInput("body", "names no field to change")
        with self._database.session() as session:
            current = offers.get_offer(session, offer_id)
            if current is None:
                raise NotFound("offer", offer_id)
            _changeable(current, changes.get("status"), edits_fields=set(changes) != {"status"})
            _checked(replace(current, **changes))
            edited = offers.update_offer(session, offer_id, changes)
            budgets.open_budgets(session, edited, utc_now())
            _audit(session, actor, "edit", current, edited)
        self._changed()
        return edited

    def set_status(self, offer_id: str, status: str, *, actor: Actor = Actor.system()) -> Offer:
        """Pause, resume or retire an offer (a new version with that status).

        A retired offer stays retired (Conflict), and `no_action` keeps its status (Conflict).
        """
        _status(status)
        with self._database.session() as session:
            if (current := offers.get_offer(session, offer_id)) is None:
                raise NotFound("offer", offer_id)
            _changeable(current, status)
            changed = offers.set_status(session, offer_id, status)
            _audit(session, actor, _STATUS_ACTIONS[status], current, changed)
        self._changed()
        return changed

    def get(self, offer_id: str, version: int | None = None) -> Offer:
        """The latest (or a given) version of an offer."""
        with self._database.session(readonly=True) as session:
            offer = offers.get_offer(session, offer_id, version)
        if offer is None:
            raise NotFound("offer", offer_id if version is None else f"{offer_id}@{version}")
        return offer

    def versions(self, offer_id: str) -> list[OfferVersion]:
        """Every version of an offer, newest first, with who made it and what it changed."""
        return OfferHistory(self._database).versions(offer_id)

    def list(self, status: str | None = None) -> list[Offer]:
        """The latest version of every offer, optionally of one status."""
        if status is not None:
            _status(status)
        with self._database.session(readonly=True) as session:
            return offers.list_offers(session, status)
