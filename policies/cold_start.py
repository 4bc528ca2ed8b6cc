"""Cold start: a minimum probability for an offer the policy has rarely tried.

This is nba's one cold-start floor. It lives in the policy layer, so the trainer, every
serving worker and the simulator apply the same floor, once per decision, and its counts
travel with the model. The service sets it for a fresh policy from `NBA_NEW_OFFER_*`
(`nba/serving/cold_start.py`); the logged propensity is the floored probability.

Rule (`ColdStart.floors`): an offer that joined after the policy had learned `tries` events
without it (a new offer) keeps at least `probability` until it was chosen in `tries` learned
events; offers present from the start get `start_probability` for their first `start_tries`
(off by default). With n offers floored each gets at most 1/(n+1), and the others give up
the mass in proportion to their own probability (`lift`), so probabilities still sum to 1.

Why VW needs it: SquareCB alone starved a new offer. Its fresh weights first overshoot
(AdaGrad steps on new features), it is then tried only where it is over-estimated, and with
gamma ~ sqrt(t) a small score gap leaves it under 1%. In benchmarks/sim_quality.py
(new_offer) it got 0.012 of decisions against the oracle's 0.081; with the floor (0.2 for
1,000 tries) 0.074. The start floor (0.05 for 300 tries) raised `stationary` from 86.4% to
88.3% of the oracle over 5 seeds, but slowed the first 2,000 decisions of the policy tests'
4-offer world, hence off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from policies._validate import integer, real

__all__ = ["ColdStart", "TryCounts", "lift"]

_Counts = dict[str, list[int]]


class TryCounts:
    """Learned events, and per offer id `[events it was a candidate in, times chosen]`.

    Not thread-safe: the policy that owns it guards it with its own lock.
    """

    def __init__(self, total: int = 0, offers: _Counts | None = None) -> None:
        self.total = total
        self.offers: _Counts = {} if offers is None else offers

    def count(self, candidate_ids: Iterable[str], chosen_id: str) -> None:
        """Count one learned event: its candidates (each once) and the chosen offer."""
        self.total += 1
        for offer_id in set(candidate_ids):
            counts = self.offers.setdefault(offer_id, [0, 0])
            counts[0] += 1
            counts[1] += offer_id == chosen_id

    def state(self) -> dict[str, object]:
        """`{"total": events, "offers": {offer id: [as a candidate, chosen]}}`, JSON-ready."""
        return {"total": self.total, "offers": self.offers}

    @classmethod
    def from_state(cls, state: object) -> TryCounts:
        """Counts from `state()` output; ValueError if it is not that shape."""
        if not isinstance(state, dict) or not {"total", "offers"} <= state.keys():
            raise ValueError(f"expected total and offers, got {state!r}")
        total, offers = state["total"], state["offers"]
        if not isinstance(offers, dict):
            raise ValueError(f"offers: expected an object, got {offers!r}")
        ok = _natural(total) and all(
            type(k) is str and type(v) is list and len(v) == 2 and all(map(_natural, v))
            for k, v in offers.items()
        )
        if not ok:
            raise ValueError("counts must be integers >= 0")
        return cls(total, offers)


def _natural(value: object) -> bool:
    return type(value) is int and value >= 0


@dataclass(frozen=True, slots=True)
class ColdStart:
    """When an offer gets a floor and how high (module docstring); validated."""

    probability: float = 0.2
    tries: int = 1000
    start_probability: float = 0.0
    start_tries: int = 300

    def __post_init__(self) -> None:
        # Named as VWPolicy's parameters; numbers are stored as float and int, as validated.
        checked = {
            "tries": integer("cold_start_tries", self.tries, 0, 10**9),
            "probability": real("cold_start_probability", self.probability, 0.0, 0.5),
            "start_probability": real("start_probability", self.start_probability, 0.0, 0.5),
            "start_tries": integer("start_tries", self.start_tries, 0, 10**9),
        }
        for field, value in checked.items():
            object.__setattr__(self, field, value)

    def floors(self, counts: TryCounts, offer_ids: Sequence[str]) -> dict[int, float]:
        """The minimum probability of each candidate (by index) still in its cold start."""
        out = {}
        for i, offer_id in enumerate(offer_ids):
            seen, chosen = counts.offers.get(offer_id, (0, 0))
            if self.tries and counts.total - seen >= self.tries:
                floor, tries = self.probability, self.tries
            else:
                floor, tries = self.start_probability, self.start_tries
            if chosen < tries and floor > 0:
                out[i] = floor
        return out


def lift(
    probabilities: npt.NDArray[np.float64], floors: Mapping[int, float]
) -> npt.NDArray[np.float64]:
    """Lift candidates to their floors (each at most 1/(len(floors)+1)); rescale the others.

    Returns `probabilities` itself when nothing is below its floor (or, which a distribution
    summing to 1 cannot reach, no candidate is left to give up mass).
    """
    cap = 1.0 / (len(floors) + 1)
    low = {i: min(f, cap) for i, f in floors.items() if probabilities[i] < min(f, cap)}
    others = [i for i in range(len(probabilities)) if i not in low]
    if not low or not others:
        return probabilities
    out = probabilities.copy()
    for i, floor in low.items():
        out[i] = floor
    mass = probabilities[others].sum()
    left = 1.0 - sum(low.values())
    out[others] = probabilities[others] * left / mass if mass > 0 else left / len(others)
    return out
