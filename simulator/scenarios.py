"""Scenarios: what the simulated world looks like and how it changes over a run.

A scenario is any object with the attributes and methods of the `Scenario` protocol below;
the runner asks nothing else of it. The easiest way to write one is to subclass `Stationary`
(a frozen dataclass) and override one method, for example `logits` for a new response
pattern or `delays_days` for a new reporting delay; a plain class with the same members works
too. Steps are decisions; `steps_per_day` turns them into time (timestamps, delays, fatigue).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from nba.domain import Offer
from simulator.catalog import DEFAULT_OFFERS, NEW_OFFER
from simulator.churn_model import ChurnModel
from simulator.population import Population, generate
from simulator.truth import DEFAULT_RESPONSES, Response, ResponseModel, signals

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class World:
    """One drawn world: customers, their churn scores, signals and the true response model.

    `logits` (customers x offers) are the acceptance logits before fatigue and time effects;
    `values` the gross value of an accept; columns follow `model.offers`.
    """

    population: Population
    churn_scores: Floats
    signals: Floats
    model: ResponseModel
    logits: Floats
    values: Floats

    @property
    def offers(self) -> tuple[Offer, ...]:
        """All offers that may appear in this world, in column order."""
        return self.model.offers


def build_world(
    population_size: int,
    rng: np.random.Generator,
    offers: tuple[Offer, ...] = DEFAULT_OFFERS,
    responses: Mapping[str, Response] | None = None,
    churn_model: ChurnModel | None = None,
) -> World:
    """Draw a population, its churn scores and the ground truth for `offers`."""
    pop_rng, score_rng = rng.spawn(2)
    population = generate(population_size, pop_rng)
    scores = (churn_model or ChurnModel()).score(population.churn_probability, score_rng)
    sig = signals(population)
    model = ResponseModel.default(offers, responses)
    return World(
        population,
        scores,
        sig,
        model,
        model.logits(sig, population.channel),
        model.values(sig, population),
    )


@runtime_checkable
class Scenario(Protocol):
    """What the runner needs from a scenario.

    - `name`: shown in reports.
    - `steps_per_day`: decisions per simulated day; `reward_window_days`: outcomes later than
      this get the default reward (declined); `fatigue_half_life_days`: how fast contact
      fatigue fades.
    - `world(rng)`: draw the customers and the ground truth (see `build_world`).
    - `active(steps)`: bool (len(steps), offers): which offers are on offer at each step.
    - `logits(world, customers, steps)`: acceptance logits (len(steps), offers) before
      fatigue, for customer `customers[i]` at step `steps[i]`; `-inf` = never accepted.
    - `delays_days(rng, n)`: the delay until each of n outcomes is reported, in days;
      `np.inf` = never reported.
    Optional (`retention_value` runs; defaults in brackets): `retention_delay_days` (30, 90),
    the uniform range of days until the retention answer; `retention_never_share` (0.1), the
    share never answered; `retention_window_days` (120), when those get the default answer.
    """

    @property
    def name(self) -> str: ...
    @property
    def steps_per_day(self) -> float: ...
    @property
    def reward_window_days(self) -> float: ...
    @property
    def fatigue_half_life_days(self) -> float: ...

    def world(self, rng: np.random.Generator) -> World: ...

    def active(self, steps: Ints) -> Mask: ...

    def logits(self, world: World, customers: Ints, steps: Ints) -> Floats: ...

    def delays_days(self, rng: np.random.Generator, n: int) -> Floats: ...


@dataclass(frozen=True)
class Stationary:
    """The default catalog and responses, unchanged over the run; outcomes reported at once."""

    name: str = "stationary"
    population_size: int = 20_000
    steps_per_day: float = 1000.0
    reward_window_days: float = 7.0
    fatigue_half_life_days: float = 14.0
    churn_model: ChurnModel = field(default_factory=ChurnModel)
    retention_delay_days: tuple[float, float] = (30.0, 90.0)
    retention_never_share: float = 0.1
    retention_window_days: float = 120.0

    def offers(self) -> tuple[Offer, ...]:
        """Every offer that appears at some point of the run."""
        return DEFAULT_OFFERS

    def world(self, rng: np.random.Generator) -> World:
        """Draw the population and ground truth for `offers()`."""
        return build_world(self.population_size, rng, self.offers(), churn_model=self.churn_model)

    def active(self, steps: Ints) -> Mask:
        """All offers active at every step."""
        return np.ones((len(steps), len(self.offers())), dtype=bool)

    def logits(self, world: World, customers: Ints, steps: Ints) -> Floats:
        """The world's fixed logits for these customers."""
        return world.logits[customers]

    def delays_days(self, rng: np.random.Generator, n: int) -> Floats:
        """Every outcome reported immediately."""
        return np.zeros(n)


def _drifted(model: ResponseModel) -> ResponseModel:
    r = dict(zip(model.offer_ids, model.responses, strict=True))
    return model.with_responses(
        # A rival matches prices: discounts lose pull; a new handset launch lifts upgrades;
        # a network upgrade makes the loyal keener on perks and technician visits rarer needs.
        discount_10=r["discount_10"].shifted(-1.0, churn=-1.0),
        discount_25=r["discount_25"].shifted(-1.2, churn=-1.2),
        device_upgrade=r["device_upgrade"].shifted(0.9, device_old=0.4),
        loyalty_programme=r["loyalty_programme"].shifted(0.4, tenure_years=0.1),
        technician_visit=r["technician_visit"].shifted(-0.5),
        data_bonus=r["data_bonus"].shifted(0.6),
    )


@dataclass(frozen=True)
class Drift(Stationary):
    """Responses change at `change_at`: discounts weaken, device upgrades and perks strengthen."""

    name: str = "drift"
    change_at: int = 25_000

    def logits(self, world: World, customers: Ints, steps: Ints) -> Floats:
        """Before `change_at` the world's logits, from then on the drifted model's."""
        before = world.logits[customers]
        late = steps >= self.change_at
        if not late.any():
            return before
        drifted = _drifted(world.model)
        pop = world.population
        after = drifted.logits(world.signals[customers[late]], pop.channel[customers[late]])
        before = before.copy()
        before[late] = after
        return before


@dataclass(frozen=True)
class NewOffer(Stationary):
    """A new arm (`streaming_bundle`) joins the catalog at `added_at`: cold start."""

    name: str = "new_offer"
    added_at: int = 20_000
    new_offer: Offer = NEW_OFFER

    def offers(self) -> tuple[Offer, ...]:
        """The default catalog plus the new offer (last column)."""
        return (*DEFAULT_OFFERS, self.new_offer)

    def world(self, rng: np.random.Generator) -> World:
        """The world with the new offer's ground truth (default responses, by id)."""
        responses = dict(DEFAULT_RESPONSES)
        return build_world(
            self.population_size, rng, self.offers(), responses, churn_model=self.churn_model
        )

    def active(self, steps: Ints) -> Mask:
        """The new offer only from `added_at` on."""
        mask = np.ones((len(steps), len(self.offers())), dtype=bool)
        mask[:, -1] = steps >= self.added_at
        return mask


@dataclass(frozen=True)
class Delayed(Stationary):
    """Outcomes arrive after an exponential delay; a share never arrives (default reward)."""

    name: str = "delayed"
    mean_delay_days: float = 2.0
    never_share: float = 0.15

    def delays_days(self, rng: np.random.Generator, n: int) -> Floats:
        """Exponential delays with mean `mean_delay_days`; `never_share` of them infinite."""
        delays = rng.exponential(self.mean_delay_days, n)
        return np.where(rng.random(n) < self.never_share, np.inf, delays)


_SEASONAL_AMPLITUDE = {
    "device_upgrade": (0.8, 0.0),
    "data_bonus": (0.7, np.pi),
    "discount_10": (0.3, np.pi / 2),
    "discount_25": (0.3, np.pi / 2),
    "loyalty_programme": (0.4, -np.pi / 2),
}


@dataclass(frozen=True)
class Seasonal(Stationary):
    """Offer appeal cycles: device upgrades peak when data bonuses trough (holiday vs summer)."""

    name: str = "seasonal"
    period_days: float = 20.0

    def logits(self, world: World, customers: Ints, steps: Ints) -> Floats:
        """The world's logits plus a per-offer sine of the day in the season."""
        out = world.logits[customers].copy()
        phase = 2 * np.pi * steps / (self.steps_per_day * self.period_days)
        for j, offer_id in enumerate(world.model.offer_ids):
            if offer_id in _SEASONAL_AMPLITUDE:
                amplitude, shift = _SEASONAL_AMPLITUDE[offer_id]
                out[:, j] += amplitude * np.sin(phase + shift)
        return out


SCENARIOS: Mapping[str, type[Stationary]] = {
    "stationary": Stationary,
    "drift": Drift,
    "new_offer": NewOffer,
    "delayed": Delayed,
    "seasonal": Seasonal,
}


def get(
    name: str, *, population_size: int | None = None, steps_per_day: float | None = None
) -> Stationary:
    """A built-in scenario by name, with optional overrides (ValueError if unknown)."""
    if name not in SCENARIOS:
        raise ValueError(f"scenario: must be one of {tuple(SCENARIOS)}, got {name!r}")
    scenario = SCENARIOS[name]()
    if population_size is not None:
        scenario = dataclasses.replace(scenario, population_size=population_size)
    if steps_per_day is not None:
        scenario = dataclasses.replace(scenario, steps_per_day=steps_per_day)
    return scenario
