"""Offers and their versions: every edit adds a version, decisions keep the one they saw."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from nba.clock import utc_now
from nba.domain import STATUSES, Offer, OfferChanges
from nba.errors import Conflict, InvalidInput, NotFound
from nba.storage import _json
from nba.storage.tables import DecisionRow, OfferRow, OutcomeRow

_FIXED_FIELDS = frozenset({"id", "version", "created_at"})
_EDITABLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Offer)) - _FIXED_FIELDS


def add_offer(session: Session, offer: Offer) -> Offer:
    """Store a new offer as version 1; raises Conflict if the id exists."""
    if _latest_row(session, offer.id) is not None:
        raise Conflict(f"offer {offer.id!r} already exists", id=offer.id)
    stored = dataclasses.replace(offer, version=1, created_at=utc_now())
    _insert(session, stored)
    return stored


def get_offer(session: Session, offer_id: str, version: int | None = None) -> Offer | None:
    """One offer at `version`, or at its latest version by default; None if missing."""
    if version is None:
        row = _latest_row(session, offer_id)
    else:
        row = session.get(OfferRow, (offer_id, version))
    return None if row is None else _to_offer(row)


def list_versions(session: Session, offer_id: str) -> list[Offer]:
    """Every version of one offer, oldest first (empty if there is no such offer)."""
    query = select(OfferRow).where(OfferRow.id == offer_id).order_by(col(OfferRow.version))
    return [_to_offer(row) for row in session.exec(query)]


def list_offers(session: Session, status: str | None = None) -> list[Offer]:
    """The latest version of each offer (with that status, if given), ordered by id."""
    latest = (
        select(OfferRow.id, sa.func.max(OfferRow.version).label("version"))
        .group_by(OfferRow.id)
        .subquery()
    )
    query = select(OfferRow).join(
        latest,
        sa.and_(col(OfferRow.id) == latest.c.id, col(OfferRow.version) == latest.c.version),
    )
    if status is not None:
        query = query.where(OfferRow.status == status)
    rows = session.exec(query.order_by(OfferRow.id)).all()
    return [_to_offer(row) for row in rows]


def update_offer(session: Session, offer_id: str, changes: OfferChanges) -> Offer:
    """Store version N+1: the latest version with `changes` (Offer field names) applied.

    Raises NotFound if the offer is missing, InvalidInput on a field that cannot change.
    """
    unknown = sorted(set(changes) - _EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(unknown[0], f"is not an editable offer field (got {unknown})")
    latest = get_offer(session, offer_id)
    if latest is None:
        raise NotFound("offer", offer_id)
    stored = dataclasses.replace(
        latest,
        **changes,
        version=latest.version + 1,
        created_at=utc_now(),
    )
    _insert(session, stored)
    return stored


def set_status(session: Session, offer_id: str, status: str) -> Offer:
    """Store a new version with this status (`retired` retires it); NotFound if missing."""
    if status not in STATUSES:
        raise InvalidInput("status", f"must be one of {list(STATUSES)}, got {status!r}")
    return update_offer(session, offer_id, {"status": status})


def offer_counts(
    session: Session, customer_id: str, offer_ids: Sequence[str], since: datetime
) -> dict[str, int]:
    """How many decisions chose each offer for this customer at or after `since`."""
    counts = dict.fromkeys(offer_ids, 0)
    if not counts:
        return counts
    query = (
        select(DecisionRow.chosen, sa.func.count())
        .where(DecisionRow.customer_id == customer_id)
        .where(col(DecisionRow.chosen).in_(list(counts)))
        .where(DecisionRow.ts >= since)
        .group_by(DecisionRow.chosen)
    )
    for offer_id, count in session.exec(query):
        counts[offer_id] = int(count)
    return counts


def offer_budget_used(session: Session, offer_ids: Sequence[str]) -> dict[str, tuple[int, float]]:
    """Accepted outcomes and money spent per offer, costing each at the version decided."""
    used = dict.fromkeys(offer_ids, (0, 0.0))
    if not used:
        return used
    query = (
        select(
            DecisionRow.chosen,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(OfferRow.cost), 0.0),
        )
        .join(OutcomeRow, col(OutcomeRow.decision_id) == DecisionRow.id)
        .outerjoin(
            OfferRow,
            sa.and_(
                col(OfferRow.id) == DecisionRow.chosen,
                col(OfferRow.version) == DecisionRow.chosen_version,
            ),
        )
        .where(col(OutcomeRow.accepted).is_(True))
        .where(col(DecisionRow.chosen).in_(list(used)))
        .group_by(DecisionRow.chosen)
    )
    for offer_id, accepts, money in session.exec(query):
        used[offer_id] = (int(accepts), float(money))
    return used


def _latest_row(session: Session, offer_id: str) -> OfferRow | None:
    query = (
        select(OfferRow)
        .where(OfferRow.id == offer_id)
        .order_by(col(OfferRow.version).desc())
        .limit(1)
    )
    return session.exec(query).first()


def _insert(session: Session, offer: Offer) -> None:
    try:
        # A savepoint, so that losing a race leaves the caller's transaction usable.
        with session.begin_nested():
            session.add(_to_row(offer))
    except IntegrityError as error:
        raise Conflict(
            f"offer {offer.id!r} version {offer.version} was written concurrently",
            id=offer.id,
        ) from error


def _to_row(offer: Offer) -> OfferRow:
    return OfferRow(
        id=offer.id,
        version=offer.version,
        name=offer.name,
        description=offer.description,
        category=offer.category,
        cost=offer.cost,
        value=offer.value,
        features=_json.features_to_json(offer.features),
        eligibility=_json.eligibility_to_json(offer.eligibility),
        caps=_json.caps_to_json(offer.caps),
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        status=offer.status,
        created_at=offer.created_at or utc_now(),
    )


def _to_offer(row: OfferRow) -> Offer:
    return Offer(
        id=row.id,
        name=row.name,
        category=row.category,
        description=row.description,
        cost=row.cost,
        value=row.value,
        features=_json.features_from_json(row.features),
        eligibility=_json.eligibility_from_json(row.eligibility),
        caps=_json.caps_from_json(row.caps),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=row.status,
        version=row.version,
        created_at=row.created_at,
    )
