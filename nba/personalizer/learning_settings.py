"""A loop's learning settings: Personalizer's VW argument string as nba's VW policy parameters.

Personalizer's `configurations/policy` is `{"name", "arguments"}`, the arguments a VW command
line. nba runs them on its own VW policy (`policies.vw`), which always crosses every context
feature with every action feature; so the arguments are read against a safe set:

- mapped: `--cb_explore_adf` (required), `-l`/`--learning_rate`, `--power_t`,
  `-b`/`--bit_precision`, `--squarecb` (with `--gamma_scale`, `--gamma_exponent`),
  `--bag N`, `--cover N`, `--softmax` (with `--lambda`), `--rnd N`;
- accepted with no effect: `-q`/`--quadratic`/`--interactions` (nba's crossing covers them),
  `--cb_type mtr` (nba's), `--epsilon` (the service configuration's
  `explorationPercentage` sets exploration), `--quiet`, `--dsjson`;
- anything else: InvalidPolicyConfiguration naming the argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nba.personalizer.errors import PersonalizerError

__all__ = ["DEFAULT_ARGUMENTS", "DEFAULT_NAME", "LearningSettings"]

DEFAULT_NAME = "nba-default"
DEFAULT_ARGUMENTS = "--cb_explore_adf --epsilon 0.2 -l 0.5 --power_t 0.5 -q ::"
_CODE = "InvalidPolicyConfiguration"
_VALUED = {
    "-l": ("learning_rate", float),
    "--learning_rate": ("learning_rate", float),
    "--power_t": ("power_t", float),
    "-b": ("bits", int),
    "--bit_precision": ("bits", int),
    "--gamma_scale": ("gamma_scale", float),
    "--gamma_exponent": ("gamma_exponent", float),
    "--lambda": ("lambda_", float),
    "--bag": ("bag_size", int),
    "--cover": ("cover_size", int),
    "--rnd": ("rnd_size", int),
}
_EXPLORATION_OF = {"--bag": "bag", "--cover": "cover", "--rnd": "rnd"}
_SWITCHES = {"--squarecb": "squarecb", "--softmax": "softmax"}
_IGNORED_VALUED = {"-q", "--quadratic", "--interactions", "--epsilon"}
_IGNORED = {"--cb_explore_adf", "--quiet", "--dsjson"}
_MAX_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class LearningSettings:
    """A named VW argument string and the VWPolicy parameters it means."""

    name: str
    arguments: str
    params: tuple[tuple[str, Any], ...]

    @classmethod
    def parse(cls, body: object, code: str = _CODE) -> LearningSettings:
        """Read `{"name", "arguments"}`; PersonalizerError for anything outside the safe set."""
        if not isinstance(body, dict):
            raise PersonalizerError("BadRequest", "the body must be a JSON object")
        name, arguments = body.get("name"), body.get("arguments")
        if not isinstance(name, str) or not name.strip() or len(name) > 256:
            raise PersonalizerError(code, "name must be a non-empty string", target="name")
        if not isinstance(arguments, str) or len(arguments) > _MAX_LENGTH:
            raise PersonalizerError(
                code, f"arguments must be a string of at most {_MAX_LENGTH} characters",
                target="arguments",
            )  # fmt: skip
        return cls(name, arguments, _params(arguments.split(), code))

    @classmethod
    def default(cls) -> LearningSettings:
        """nba's default learning settings."""
        return cls.parse({"name": DEFAULT_NAME, "arguments": DEFAULT_ARGUMENTS})

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> LearningSettings:
        """The settings kept in a loop row (empty: the default)."""
        return cls.parse(data) if data else cls.default()

    def to_json(self) -> dict[str, str]:
        """Personalizer's `PolicyContract` shape."""
        return {"name": self.name, "arguments": self.arguments}

    def policy_params(self, exploration: float) -> dict[str, Any]:
        """VWPolicy parameters: these settings with `exploration` as epsilon, no cold start.

        An exploration of 0 becomes 1e-6 (VW needs a positive epsilon): the greedy action.
        """
        params: dict[str, Any] = {"exploration": "epsilon", **dict(self.params)}
        params.update(epsilon=max(exploration, 1e-6), cold_start_tries=0, start_tries=0)
        return params


def _params(tokens: list[str], code: str) -> tuple[tuple[str, Any], ...]:
    if "--cb_explore_adf" not in tokens:
        raise PersonalizerError(
            code, "the learning settings must contain --cb_explore_adf", target="arguments"
        )
    params: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        flag, _, inline = token.partition("=")
        if flag in _VALUED or flag in _IGNORED_VALUED:
            value = inline or (tokens[i + 1] if i + 1 < len(tokens) else "")
            i += 1 if inline else 2
            if not value:
                raise PersonalizerError(code, f"{flag} needs a value", target="arguments")
            if flag in _VALUED:
                field, kind = _VALUED[flag]
                try:
                    params[field] = kind(value)
                except ValueError:
                    raise PersonalizerError(
                        code, f"{flag} needs a {kind.__name__}, got {value!r}", target="arguments"
                    ) from None
                if flag in _EXPLORATION_OF:
                    params["exploration"] = _EXPLORATION_OF[flag]
            continue
        if token in _SWITCHES:
            params["exploration"] = _SWITCHES[token]
        elif token == "--cb_type":
            if i + 1 >= len(tokens) or tokens[i + 1] != "mtr":
                raise PersonalizerError(code, "only --cb_type mtr is supported", target="arguments")
            i += 1
        elif token not in _IGNORED:
            raise PersonalizerError(
                code, f"argument {token!r} is not in nba's safe set", target="arguments"
            )
        i += 1
    return tuple(sorted(params.items()))
