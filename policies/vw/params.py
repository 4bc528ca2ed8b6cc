"""VWPolicy's parameters: validated once into a frozen value, and the VW arguments they mean."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from policies._validate import integer, real
from policies.cold_start import ColdStart
from policies.errors import InvalidParameter

__all__ = ["EXPLORATIONS", "SCORES", "VWParams", "exploration_flags"]

EXPLORATIONS = ("squarecb", "epsilon", "softmax", "bag", "cover", "rnd", "regcb")
SCORES = ("probability", "reward")

# Exploration flags a loaded model must share with the policy: flag -> takes a value.
_FLAGS = {"--squarecb": 0, "--softmax": 0, "--regcb": 0, "--bag": 1, "--cover": 1, "--rnd": 1}


@dataclass(frozen=True, slots=True)
class VWParams:
    """Every VWPolicy parameter, validated (`checked`); `as_dict` gives `policy.params`."""

    exploration: str
    epsilon: float
    gamma_scale: float
    gamma_exponent: float
    lambda_: float
    bag_size: int
    cover_size: int
    rnd_size: int
    learning_rate: float
    power_t: float
    bits: int
    interactions: tuple[str, ...]
    scores: str
    cache_size: int
    cold_start: ColdStart

    @classmethod
    def checked(
        cls,
        *,
        exploration: object,
        epsilon: object,
        gamma_scale: object,
        gamma_exponent: object,
        lambda_: object,
        bag_size: object,
        cover_size: object,
        rnd_size: object,
        learning_rate: object,
        power_t: object,
        bits: object,
        interactions: object,
        scores: object,
        cache_size: object,
        cold_start_tries: object,
        cold_start_probability: object,
        start_probability: object,
        start_tries: object,
    ) -> VWParams:
        """Validate every value; InvalidParameter names the first bad one."""
        if not isinstance(exploration, str) or exploration not in EXPLORATIONS:
            raise InvalidParameter(
                "exploration", f"must be one of {EXPLORATIONS}, got {exploration!r}"
            )
        if not isinstance(scores, str) or scores not in SCORES:
            raise InvalidParameter("scores", f"must be one of {SCORES}, got {scores!r}")
        return cls(
            exploration=exploration,
            interactions=_interactions(interactions),
            epsilon=real("epsilon", epsilon, 0.0, 1.0, open_low=True),
            gamma_scale=real("gamma_scale", gamma_scale, 0.0, 1e6, open_low=True),
            gamma_exponent=real("gamma_exponent", gamma_exponent, 0.0, 1.0),
            lambda_=real("lambda_", lambda_, 0.0, 1e6, open_low=True),
            bag_size=integer("bag_size", bag_size, 2, 100),
            cover_size=integer("cover_size", cover_size, 1, 100),
            rnd_size=integer("rnd_size", rnd_size, 1, 100),
            learning_rate=real("learning_rate", learning_rate, 0.0, 100.0, open_low=True),
            power_t=real("power_t", power_t, 0.0, 1.0),
            bits=integer("bits", bits, 1, 28),
            scores=scores,
            cache_size=integer("cache_size", cache_size, 0, 100_000),
            cold_start=ColdStart(
                tries=integer("cold_start_tries", cold_start_tries, 0, 10**9),
                probability=real("cold_start_probability", cold_start_probability, 0.0, 0.5),
                start_probability=real("start_probability", start_probability, 0.0, 0.5),
                start_tries=integer("start_tries", start_tries, 0, 10**9),
            ),
        )

    def as_dict(self) -> dict[str, object]:
        """The constructor arguments, JSON-ready (`interactions` as a list)."""
        c = self.cold_start
        return {
            "exploration": self.exploration,
            "epsilon": self.epsilon,
            "gamma_scale": self.gamma_scale,
            "gamma_exponent": self.gamma_exponent,
            "lambda_": self.lambda_,
            "bag_size": self.bag_size,
            "cover_size": self.cover_size,
            "rnd_size": self.rnd_size,
            "learning_rate": self.learning_rate,
            "power_t": self.power_t,
            "bits": self.bits,
            "interactions": list(self.interactions),
            "scores": self.scores,
            "cache_size": self.cache_size,
            "cold_start_tries": c.tries,
            "cold_start_probability": c.probability,
            "start_probability": c.start_probability,
            "start_tries": c.start_tries,
        }

    def args(self, seed: int) -> list[str]:
        """The VW command-line arguments these parameters stand for."""
        eps = ["--epsilon", f"{self.epsilon}"]
        explore = {
            "squarecb": [
                "--squarecb",
                "--gamma_scale",
                f"{self.gamma_scale}",
                "--gamma_exponent",
                f"{self.gamma_exponent}",
                *eps,
            ],
            "epsilon": eps,
            "softmax": ["--softmax", "--lambda", f"{self.lambda_}", *eps],
            "bag": ["--bag", f"{self.bag_size}", *eps],
            "cover": ["--cover", f"{self.cover_size}", *eps],
            "rnd": ["--rnd", f"{self.rnd_size}", *eps],
            # regcb ignores --epsilon (the floor is mixed in by `rank`) and assumes costs in
            # [cb_min_cost, cb_max_cost]: rewards in [0, 1] are costs in [-1, 0].
            "regcb": ["--regcb", "--cb_min_cost", "-1", "--cb_max_cost", "0"],
        }[self.exploration]
        # `-q` takes pairs only; `--interactions` takes any order (`ssa` = shared pair x action).
        extra = [t for i in self.interactions for t in ("--interactions", i)]
        return [
            "--cb_explore_adf",
            *explore,
            "-q",
            "sa",
            *extra,
            "-b",
            f"{self.bits}",
            "-l",
            f"{self.learning_rate}",
            "--power_t",
            f"{self.power_t}",
            "--random_seed",
            f"{seed}",
        ]


def _interactions(value: object) -> tuple[str, ...]:
    items = tuple(value) if isinstance(value, Iterable) and not isinstance(value, str) else None
    if items is None or not all(
        isinstance(i, str) and 2 <= len(i) <= 3 and set(i) <= {"s", "a"} for i in items
    ):
        raise InvalidParameter(
            "interactions",
            f"must be a list of 2-3 letter strings over 's' and 'a', got {value!r}",
        )
    return items


def exploration_flags(args: Sequence[str]) -> dict[str, str]:
    """The exploration flags among VW arguments, with their values (`--bag 5` -> `"5"`)."""
    return {a: (args[i + 1] if _FLAGS[a] else "") for i, a in enumerate(args) if a in _FLAGS}
