"""Offer catalogues for what-if runs: the current one, and a proposal read from a file.

A catalogue is the offers (with their budgets and costs) and, for each, the response the
simulated customers give it: the simulator's own for its offers (`simulator.truth`), or the
one the file assumes for a new offer. A file (YAML or JSON) holds changes to a base catalogue,
by default the simulator's:

    offers:                      # an id the base has: only the fields given change
      - id: discount_25
        cost: 22
        caps: {budget_accepts: 150}
      - id: streaming_bundle     # a new id: a new offer, with the response it is assumed to get
        name: Streaming bundle, 3 months free
        category: loyalty
        cost: 15
        value: 80
        response: {intercept: -3.0, weights: {heavy_engaged: 2.2}, save_rate: 0.3,
                   fit: {price: 0.5, service: 0.2, disengaged: 0.6, loyal: 0.6}}
    remove: [device_upgrade]     # offers the proposal takes away

Offer fields are those of `POST /v1/offers` (`PATCH` for a change). Every problem is an
InvalidInput naming its place in the file (`offers.1.cost`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nba.domain import NO_ACTION_ID, Offer
from nba.errors import InvalidInput
from nba.schemas import OfferBody, OfferPatch, parse
from nba.schemas.offers import new_offer, offer_changes
from simulator.catalog import DEFAULT_OFFERS
from simulator.population import DRIVERS
from simulator.retention import FIT
from simulator.truth import DEFAULT_RESPONSES, SIGNALS, Response

T = TypeVar("T")
Fit = tuple[float, float, float, float]
"""How well an accepted offer addresses each driver's reason to leave, in DRIVERS order."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Offers with the response each gets and how well an accept of each keeps a customer."""

    offers: tuple[Offer, ...]
    responses: Mapping[str, Response]
    fit: Mapping[str, Fit]

    @property
    def offer_ids(self) -> tuple[str, ...]:
        """The offers' ids, in column order."""
        return tuple(o.id for o in self.offers)


def default_catalogue() -> Catalogue:
    """The simulator's catalog with its ground-truth responses."""
    return Catalogue(DEFAULT_OFFERS, dict(DEFAULT_RESPONSES), dict(FIT))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ResponseSpec(_Strict):
    """The response a file assumes for an offer (`simulator.truth.Response`, plus its fit).

    `weights` are acceptance-logit weights on the simulator's signals; `fit` per driver
    (price, service, disengaged, loyal) how much an accept cuts that customer's churn, times
    `save_rate`.
    """

    intercept: float = Field(ge=-20, le=20)
    weights: dict[str, float] = Field(default_factory=dict)
    save_rate: float = Field(0.0, ge=0, le=1)
    revenue: float = Field(0.0, ge=0)
    revenue_churn_slope: float = 0.0
    fit: dict[str, float] = Field(default_factory=dict)

    @field_validator("weights")
    @classmethod
    def _known_signals(cls, weights: dict[str, float]) -> dict[str, float]:
        for name in weights:
            if name not in SIGNALS:
                raise ValueError(f"{name!r} is not a simulator signal ({', '.join(SIGNALS)})")
        return weights

    @field_validator("fit")
    @classmethod
    def _known_drivers(cls, fit: dict[str, float]) -> dict[str, float]:
        for name, share in fit.items():
            if name not in DRIVERS:
                raise ValueError(f"{name!r} is not a driver ({', '.join(DRIVERS)})")
            if not 0 <= share <= 1:
                raise ValueError(f"{name}: must be in [0, 1], got {share}")
        return fit

    def response(self) -> Response:
        """The simulator's response value."""
        return Response(
            self.intercept,
            tuple(self.weights.items()),
            self.save_rate,
            self.revenue,
            self.revenue_churn_slope,
        )

    def fit_tuple(self) -> Fit:
        """The fit in DRIVERS order (a driver left out: 0)."""
        a, b, c, d = (float(self.fit.get(name, 0.0)) for name in DRIVERS)
        return (a, b, c, d)


def apply_changes(base: Catalogue, data: object, *, source: str = "catalogue") -> Catalogue:
    """`base` with the changes of a decoded file (see the module's docstring) applied."""
    if not isinstance(data, dict):
        raise InvalidInput("catalogue", f"{source} must be a mapping with `offers` or `remove`")
    unknown = set(data) - {"offers", "remove"}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"unknown key in {source} (offers, remove)")
    offers = {o.id: o for o in base.offers}
    responses, fit = dict(base.responses), dict(base.fit)
    entries = data.get("offers") or []
    if not isinstance(entries, list):
        raise InvalidInput("offers", "must be a list of offers")
    for i, entry in enumerate(entries):
        offer, spec = _offer(i, entry, offers)
        offers[offer.id] = offer
        if spec is not None:
            responses[offer.id], fit[offer.id] = spec.response(), spec.fit_tuple()
        elif offer.id not in responses:
            raise InvalidInput(
                f"offers.{i}.response",
                f"{offer.id!r} is new: give the response it is assumed to get (intercept, "
                "weights, save_rate, fit)",
            )
    for j, offer_id in enumerate(_removed(data.get("remove") or [])):
        if offer_id == NO_ACTION_ID or offer_id not in offers:
            what = "no_action stays" if offer_id == NO_ACTION_ID else "no such offer"
            raise InvalidInput(f"remove.{j}", f"{what}: {offer_id!r}")
        del offers[offer_id]
    kept = tuple(o for o in offers.values() if o.is_active)
    if not kept or kept[0].id != NO_ACTION_ID:
        raise InvalidInput("offers", "no_action stays active: it is every customer's fallback")
    return Catalogue(kept, responses, fit)


def _removed(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("remove", "must be a list of offer ids")
    return value


def _offer(i: int, entry: object, offers: Mapping[str, Offer]) -> tuple[Offer, ResponseSpec | None]:
    """One entry of `offers`: the changed or new offer and the response it gives, if any."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise InvalidInput(f"offers.{i}.id", "each offer is a mapping with an `id`")
    fields: dict[str, Any] = dict(entry)
    raw_response = fields.pop("response", None)
    spec = None
    if raw_response is not None:
        spec = _located(f"offers.{i}.response", lambda: parse(ResponseSpec, raw_response))
    offer_id = fields.pop("id")
    if offer_id in offers:
        current = offers[offer_id]
        changes = _located(f"offers.{i}", lambda: offer_changes(parse(OfferPatch, fields)))
        offer = dataclasses.replace(current, **changes, version=current.version + 1)
    else:
        body = {"id": offer_id, **fields}
        offer = _located(f"offers.{i}", lambda: new_offer(parse(OfferBody, body)))
    return offer, spec


def _located(place: str, build: Callable[[], T]) -> T:
    """`build()`, its InvalidInput named by its place in the file (`offers.1.cost`)."""
    try:
        return build()
    except InvalidInput as error:
        field = error.field or ""
        problem = error.message.removeprefix(f"{field}: ")
        raise InvalidInput(f"{place}.{field}", problem) from None


def read_catalogue(path: str | Path, base: Catalogue | None = None) -> Catalogue:
    """The catalogue a YAML or JSON file describes, as changes to `base` (the simulator's)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput("catalog", f"cannot read {path}: {error}") from None
    except yaml.YAMLError as error:
        raise InvalidInput("catalog", f"{path} is not YAML or JSON: {error}") from None
    return apply_changes(base or default_catalogue(), data, source=str(path))
