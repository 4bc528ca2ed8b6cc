"""A loop's service configuration, as Personalizer's `configurations/service` shows it.

Durations are ISO 8601 (`PT10M`; .NET's `00:10:00` is read too) and are written back as ISO
8601. `explorationPercentage` is a fraction in [0, 1] (0.2 explores on 20% of ranks), as
in Personalizer's API despite its name. Invalid values raise PersonalizerError with
Personalizer's codes, naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError

from nba.personalizer.errors import PersonalizerError

__all__ = ["AGGREGATIONS", "LEARNING_MODES", "ServiceConfiguration", "iso_duration"]

LEARNING_MODES = ("Online", "Apprentice", "LoggingOnly")
AGGREGATIONS = ("earliest", "sum")
_DURATION = TypeAdapter(timedelta)
_MIN_WAIT = timedelta(seconds=5)
_MAX_WAIT = timedelta(days=2)
_MIN_EXPORT = timedelta(seconds=1)
_INVALID = "InvalidServiceConfiguration"


@dataclass(frozen=True, slots=True)
class ServiceConfiguration:
    """One loop's service settings (defaults: Personalizer's, but models published each 5 s)."""

    reward_wait: timedelta = timedelta(minutes=10)
    default_reward: float = 0.0
    reward_aggregation: str = "earliest"
    exploration: float = 0.2
    model_export: timedelta = timedelta(seconds=5)
    log_retention_days: int = 90
    model_retrain_days: int = 0
    learning_mode: str = "Online"
    is_auto_optimization_requested: bool = False
    last_edit: datetime | None = None

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> ServiceConfiguration:
        """The configuration kept in a loop row (`to_json` output; empty: the defaults)."""
        if not data:
            return cls()
        # Stored: the request for auto-optimisation under its own key (the reply says false).
        kept = {k: v for k, v in data.items() if k != "isAutoOptimizationEnabled"}
        stored = cls().updated(kept, None)
        return replace(stored, is_auto_optimization_requested=bool(
            data.get("isAutoOptimizationRequested", False)))  # fmt: skip

    def updated(self, body: object, now: datetime | None) -> ServiceConfiguration:
        """These settings with the fields of a PUT body replaced (each one validated)."""
        if not isinstance(body, dict):
            raise PersonalizerError("BadRequest", "the body must be a JSON object")
        found = replace(self, last_edit=now if now is not None else self.last_edit)
        b = body
        if "rewardWaitTime" in b:
            wait = _duration(b["rewardWaitTime"], "rewardWaitTime")
            if not _MIN_WAIT <= wait <= _MAX_WAIT:
                raise PersonalizerError(
                    _INVALID, "rewardWaitTime must be between 5 seconds and 2 days",
                    target="rewardWaitTime",
                )  # fmt: skip
            found = replace(found, reward_wait=wait)
        if "defaultReward" in b:
            found = replace(found, default_reward=_real(b["defaultReward"], "defaultReward"))
        if "rewardAggregation" in b:
            found = replace(
                found, reward_aggregation=_choice(b["rewardAggregation"], AGGREGATIONS,
                                                  "rewardAggregation", _INVALID),
            )  # fmt: skip
        if "explorationPercentage" in b:
            exploration = _real(b["explorationPercentage"], "explorationPercentage", 0.0, 1.0)
            found = replace(found, exploration=exploration)
        if "modelExportFrequency" in b:
            export = _duration(b["modelExportFrequency"], "modelExportFrequency")
            if export < _MIN_EXPORT:
                raise PersonalizerError(
                    _INVALID, "modelExportFrequency must be at least 1 second",
                    target="modelExportFrequency",
                )  # fmt: skip
            found = replace(found, model_export=export)
        if "logRetentionDays" in b:
            days = b["logRetentionDays"]
            if isinstance(days, bool) or not isinstance(days, int) or not (days == -1 or days > 0):
                raise PersonalizerError(
                    "InvalidLogRetentionDays", "logRetentionDays must be -1 (never) or >= 1",
                    target="logRetentionDays",
                )  # fmt: skip
            found = replace(found, log_retention_days=days)
        if "modelRetrainDays" in b:
            days = b["modelRetrainDays"]
            if isinstance(days, bool) or not isinstance(days, int) or days < 0:
                raise PersonalizerError(
                    _INVALID, "modelRetrainDays must be >= 0", target="modelRetrainDays"
                )
            found = replace(found, model_retrain_days=days)
        if b.get("learningMode") is not None:
            mode = _choice(b["learningMode"], LEARNING_MODES, "learningMode",
                           "InvalidLearningModeServiceConfiguration")  # fmt: skip
            found = replace(found, learning_mode=mode)
        if b.get("isAutoOptimizationEnabled") is not None:
            flag = b["isAutoOptimizationEnabled"]
            if not isinstance(flag, bool):
                raise PersonalizerError(
                    _INVALID, "isAutoOptimizationEnabled must be a boolean",
                    target="isAutoOptimizationEnabled",
                )  # fmt: skip
            found = replace(found, is_auto_optimization_requested=flag)
        if "lastConfigurationEditDate" in b and now is None and b["lastConfigurationEditDate"]:
            found = replace(found, last_edit=datetime.fromisoformat(b["lastConfigurationEditDate"]))
        return found

    def to_json(self) -> dict[str, Any]:
        """The configuration in Personalizer's JSON shape.

        nba has no automatic optimisation of a loop's learning settings: a request for it is
        kept (`isAutoOptimizationRequested`) but `isAutoOptimizationEnabled` stays false.
        """
        return {
            "rewardWaitTime": iso_duration(self.reward_wait),
            "defaultReward": self.default_reward,
            "rewardAggregation": self.reward_aggregation,
            "explorationPercentage": self.exploration,
            "modelExportFrequency": iso_duration(self.model_export),
            "logRetentionDays": self.log_retention_days,
            "modelRetrainDays": self.model_retrain_days,
            "learningMode": self.learning_mode,
            "isAutoOptimizationEnabled": False,
            "isAutoOptimizationRequested": self.is_auto_optimization_requested,
            "lastConfigurationEditDate": None if self.last_edit is None
            else self.last_edit.isoformat(),
        }  # fmt: skip


def iso_duration(value: timedelta) -> str:
    """A duration as ISO 8601 (`PT5M`, `P1DT2H`)."""
    text: str = _DURATION.dump_python(value, mode="json")
    return text


def _duration(value: object, field: str) -> timedelta:
    if not isinstance(value, str):
        raise PersonalizerError(_INVALID, f"{field} must be an ISO 8601 duration", target=field)
    try:
        return _DURATION.validate_python(value)
    except ValidationError:
        raise PersonalizerError(
            _INVALID, f"{field} must be an ISO 8601 duration such as PT5M, got {value!r}",
            target=field,
        ) from None  # fmt: skip


def _real(value: object, field: str, low: float = -1.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PersonalizerError(_INVALID, f"{field} must be a number", target=field)
    x = float(value)
    if not math.isfinite(x) or not low <= x <= high:
        raise PersonalizerError(_INVALID, f"{field} must be in [{low:g}, {high:g}]", target=field)
    return x


def _choice(value: object, choices: tuple[str, ...], field: str, code: str) -> str:
    for choice in choices:
        if isinstance(value, str) and value.lower() == choice.lower():
            return choice
    raise PersonalizerError(
        code, f"{field} must be one of {', '.join(choices)}, got {value!r}", target=field
    )
