"""The health score's configuration: signal families, their weights, triggers and the bands.

A file (YAML, or JSON, which YAML reads too) named by `NBA_HEALTH_SCORE_FILE` replaces the
defaults, which are DOMAIN.md §2's illustrative ones: service friction 25, network 15, usage
trend 20, billing and payment 20, satisfaction 10, tenure and contract 10; green from 70,
amber from 40, red below; three or more families firing force red. Every problem of a file is
an InvalidSetting naming the key (`families.service.triggers.0.signal`).
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from nba.errors import InvalidSetting
from nba.health.signals import SIGNALS, SignalValue

FamilyName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
"""A family's name: lowercase letters, digits and '_', as the decision log records it."""
Op = Literal["ge", "gt", "le", "lt", "eq"]
_OPS = {
    "ge": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
    "eq": lambda a, b: a == b,
}


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Trigger(_Spec):
    """One threshold on one signal: `support_calls_7d ge 3` fires at three calls or more.

    A flag takes `eq` and `true` or `false`; a number any op and a number.
    """

    signal: str
    op: Op = "ge"
    value: float | bool

    @field_validator("signal")
    @classmethod
    def _known(cls, signal: str) -> str:
        if signal not in SIGNALS:
            close = difflib.get_close_matches(signal, list(SIGNALS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"unknown signal {signal!r}{hint}")
        return signal

    @field_validator("value")
    @classmethod
    def _fits_the_signal(cls, value: float | bool, info: ValidationInfo) -> float | bool:
        spec = SIGNALS.get(info.data.get("signal", ""))
        if spec is None:
            return value
        if spec.is_flag and (info.data.get("op") != "eq" or not isinstance(value, bool)):
            raise ValueError(f"{spec.name} is a flag: use op eq and true or false")
        if not spec.is_flag and isinstance(value, bool):
            raise ValueError(f"{spec.name} is a number: the value must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    def fires(self, value: SignalValue | None) -> bool:
        """Whether this trigger fires for the signal's value (a missing signal never fires)."""
        return value is not None and bool(_OPS[self.op](value, self.value))

    def describe(self) -> str:
        """The trigger as a person reads it: `support_calls_7d ge 3`."""
        value = str(self.value).lower() if isinstance(self.value, bool) else f"{self.value:g}"
        return f"{self.signal} {self.op} {value}"


class Family(_Spec):
    """A family of signals: it fires when any of its triggers does, and adds its weight."""

    weight: float = Field(ge=0, allow_inf_nan=False)
    triggers: tuple[Trigger, ...] = Field(min_length=1, strict=False)  # YAML gives a list


class Bands(_Spec):
    """Health from `green_min` is green, from `amber_min` amber, below it red (0-100)."""

    green_min: int = Field(70, ge=1, le=100)
    amber_min: int = Field(40, ge=1, le=100)

    @model_validator(mode="after")
    def _amber_below_green(self) -> Self:
        if self.amber_min >= self.green_min:
            raise ValueError(
                f"amber_min ({self.amber_min}) must be below green_min ({self.green_min})"
            )
        return self


class HealthWeights(_Spec):
    """The whole configuration: families by name, the bands, the forced-red rule.

    Weights are relative: health = 100 * (1 - weight of the families that fired / all weight),
    rounded. `force_red_families` families firing together cap the score at the top of the
    red band (null: no such rule).
    """

    families: dict[FamilyName, Family] = Field(min_length=1)
    bands: Bands = Bands()
    force_red_families: int | None = Field(3, ge=1)

    @field_validator("families")
    @classmethod
    def _some_weight(cls, families: dict[str, Family]) -> dict[str, Family]:
        if sum(f.weight for f in families.values()) <= 0:
            raise ValueError("the weights must not all be 0")
        return families

    @property
    def total_weight(self) -> float:
        """The sum of the families' weights (> 0)."""
        return sum(f.weight for f in self.families.values())


def _family(weight: float, *triggers: tuple[str, str, float | bool]) -> dict[str, Any]:
    return {
        "weight": weight,
        "triggers": [{"signal": s, "op": op, "value": v} for s, op, v in triggers],
    }


DEFAULT_WEIGHTS: Mapping[str, Any] = {
    "families": {
        "service": _family(
            25,
            ("support_calls_7d", "ge", 3),
            ("support_calls_30d", "ge", 5),
            ("unresolved_tickets", "ge", 1),
            ("technician_visits_60d", "ge", 2),
        ),
        "network": _family(15, ("outages_30d", "ge", 2), ("session_drops_30d", "ge", 20)),
        "usage": _family(20, ("usage_change_14d_pct", "le", -30)),
        "billing": _family(
            20,
            ("late_payments_90d", "ge", 1),
            ("failed_payments_90d", "ge", 1),
            ("bill_shock", "eq", True),
            ("downgraded_6m", "eq", True),
        ),
        "satisfaction": _family(10, ("last_rating", "le", 2), ("not_solved", "eq", True)),
        "tenure": _family(10, ("tenure_months", "lt", 12), ("contract_days_left", "le", 60)),
    },
    "bands": {"green_min": 70, "amber_min": 40},
    "force_red_families": 3,
}
"""DOMAIN.md §2's illustrative defaults; the trigger thresholds are nba's assumptions."""


_PROBLEMS = {"extra_forbidden": "unknown key", "missing": "is required"}


def health_weights(values: object, *, source: str = "health weights") -> HealthWeights:
    """Validated weights from decoded YAML/JSON; InvalidSetting naming the first bad key."""
    try:
        return HealthWeights.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"] if part != "[key]") or "(the file)"
        problem = _PROBLEMS.get(first["type"], first["msg"].removeprefix("Value error, "))
        if not first["loc"] and first["type"] == "model_type":
            problem = "must be a mapping holding `families`"
        raise InvalidSetting(key, f"{problem} (in {source})") from None


@functools.cache
def default_weights() -> HealthWeights:
    """DOMAIN.md §2's defaults."""
    return health_weights(DEFAULT_WEIGHTS, source="the defaults")


def load_weights(path: Path | None) -> HealthWeights:
    """The weights of a YAML or JSON file, or the defaults when `path` is None."""
    if path is None:
        return default_weights()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidSetting("health_score_file", f"cannot read {path}: {error}") from None
    except yaml.YAMLError as error:
        raise InvalidSetting("health_score_file", f"{path} is not YAML or JSON: {error}") from None
    return health_weights(data, source=str(path))
