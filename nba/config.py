"""One frozen Settings object, read from NBA_* environment variables and an optional TOML file.

The settings come in groups (`settings.database.url`, `settings.reward.mode`...), while the names
users write stay flat: `NBA_REWARD_MODE`, `reward_mode = "net_value"` in the TOML file and
`Settings(reward_mode="net_value")`. `FLAT_NAMES` is the one table from a flat name to its
group and field. A name that is none of them is an error naming it (with the closest valid
name), never silently ignored: a misspelled key in the file, a misspelled keyword or an `NBA_`
environment variable that is neither a setting nor in `OTHER_NBA_VARIABLES`.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from nba.errors import InvalidSetting
from nba.ratelimits import RateLimit, StorageUri

ENV_PREFIX = "NBA_"

OTHER_NBA_VARIABLES = frozenset({"NBA_CONFIG", "NBA_TEST_DATABASE_URL", "NBA_TEST_ARTIFACTS"})
"""`NBA_` variables that are not settings, so that reading the environment allows them:
`NBA_CONFIG` names the TOML file (`load_settings`); `NBA_TEST_DATABASE_URL` is the PostgreSQL
server of the test suite (tests/databases.py, Makefile, .ci/run)."""


class RewardMode(StrEnum):
    """What the policies learn from an outcome (`nba.serving.reward`)."""

    ACCEPTANCE = "acceptance"
    NET_VALUE = "net_value"
    RETENTION_VALUE = "retention_value"


class _Group(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatabaseSettings(_Group):
    """Where the data lives."""

    url: str | None = None
    data_dir: Path = Path(".nba")
    # SQLite: a serving process checkpoints the WAL in the background this often (0: commits
    # checkpoint it themselves, SQLite's default, a pause inside every ~150th decision).
    sqlite_checkpoint_s: float = Field(default=1.0, ge=0)

    @field_validator("url")
    @classmethod
    def _postgres_driver(cls, url: str | None) -> str | None:
        if url and url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url

    @property
    def resolved_url(self) -> str:
        """The database URL in force: the configured one, else a SQLite file in `data_dir`."""
        if self.url:
            return self.url
        return f"sqlite:///{(self.data_dir / 'nba.db').resolve()}"


class ServingSettings(_Group):
    """The HTTP service and each decision: limits, offer cache, `no_action`, cold start."""

    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1_000_000
    max_batch: int = 1000
    bootstrap_admin_key: str | None = None
    offer_cache_s: float = Field(default=2.0, ge=0)
    no_action_enabled: bool = True
    # Cold start: a new offer gets at least this probability for its first shows.
    new_offer_shows: int = Field(default=200, ge=0)
    new_offer_min_probability: float = Field(default=0.0, ge=0, lt=1)
    # Per API key by role, as "600/second; 20000/minute" ("": none); README "API keys".
    rate_limit_crm: RateLimit = "1000/second"
    rate_limit_marketer: RateLimit = "1000/second"
    rate_limit_analyst: RateLimit = "1000/second"
    rate_limit_admin: RateLimit = "1000/second"
    rate_limit_storage: StorageUri = "memory://"  # per process; redis://... counts together
    # Logs (nba.logs): one JSON object per line or plain text; one access line per request.
    log_format: Literal["json", "text"] = "json"
    access_log: bool = False
    # Decisions from raw signals (nba.health): the weights file, YAML or JSON (None: defaults).
    health_score_file: Path | None = None
    # The uplift guard: leave an offer out of a churn band where the stored uplift report
    # (nba.uplift) finds it confidently loses value against no_action.
    uplift_guard: bool = False

    def rate_limit(self, role: str) -> str:
        """The request limit of a key with `role` ("" if none)."""
        return str(getattr(self, f"rate_limit_{role}", ""))


DEFAULT_POLICY = "default"
"""The policy setting that lets the reward mode choose: see `default_policy`."""


def default_policy(mode: RewardMode) -> str:
    """The learner a fresh model uses when the policy setting is "default".

    Under `retention_value` the pooled ridge regressions (policies/pooled.py): a retention
    answer is a noisy, late, value-weighted reward, and exact least squares over every
    answer captured 2.2x the value VW's online steps did on the simulator (52.7% of the
    oracle's lift against 23.7%, benchmarks/retention_learners.py).
    Otherwise VW (`vw`, squarecb exploration).
    """
    return "pooled-ridge" if mode is RewardMode.RETENTION_VALUE else "vw"


class LearningSettings(_Group):
    """The policy and its model lifecycle: one trainer of record, every worker swaps."""

    # "default": `pooled-ridge` under reward mode retention_value, else `vw` (Settings.policy_name)
    policy: str = DEFAULT_POLICY
    policy_params: dict[str, Any] = Field(default_factory=dict)
    online_learning: bool = True
    # Answers waiting for the background learner at most; 0 learns on the request thread.
    online_queue: int = Field(default=10_000, ge=0)
    save_interval_s: float = Field(default=60.0, gt=0)
    # One trainer of record (a database lease); every worker polls the active version.
    trainer_enabled: bool = True
    train_batch: int = Field(default=1000, gt=0)
    train_max_events: int = Field(default=200_000, gt=0)
    trainer_lease_s: float = Field(default=15.0, gt=0)
    model_poll_s: float = Field(default=1.0, gt=0)
    # Apprentice mode: the churn-band rules decide (with exploration) while the learner trains.
    apprentice: bool = False
    apprentice_epsilon: float = Field(default=0.1, gt=0, le=1)
    apprentice_min_outcomes: int = Field(default=500, gt=0)
    apprentice_interval_s: float = Field(default=300.0, gt=0)
    # Auto-optimize: challengers learn beside the champion; one is promoted when off-policy
    # evaluation on held-out decisions says it is better (lower bound of the lift above 0).
    auto_optimize: bool = False
    auto_optimize_interval_s: float = Field(default=3600.0, gt=0)
    # name -> {"policy": ..., "params": {...}}; empty: the default set (nba.learning.challengers)
    auto_optimize_challengers: dict[str, Any] = Field(default_factory=dict)
    auto_optimize_holdout: int = Field(default=2000, gt=0)  # newest decisions none trains on
    auto_optimize_min_ess: float = Field(default=200.0, gt=0)


class RewardSettings(_Group):
    """What a decision earns, and what is assumed when no answer comes."""

    mode: RewardMode = RewardMode.ACCEPTANCE
    scale: float = Field(default=100.0, gt=0)
    window_days: float = Field(default=7.0, gt=0)
    default_accepted: bool = False
    default_outcome_interval_s: float = Field(default=600.0, gt=0)
    # Retention as the reward: answers weeks later; a default when none comes in the window.
    retention_window_days: float = Field(default=60.0, gt=0)
    retention_default_retained: bool = True
    retention_default_value: float = Field(default=100.0, ge=0)
    retention_interim_reward: float = Field(
        default=0.0, ge=-1, le=1
    )  # an accept's, until the answer


class EvaluationSettings(_Group):
    """Judging model versions on the logs, and watching offers drift."""

    evaluate_versions: bool = True
    decisions: int = Field(default=5000, gt=0)
    # Drift: rolling acceptance rate per offer, recent window against the one before it.
    drift_window: int = Field(default=300, gt=0)
    drift_z: float = Field(default=4.0, gt=0)
    drift_interval_s: float = Field(default=300.0, gt=0)
    # The console's figures: daily summaries brought up to date from a watermark, and the
    # learned policy against the baselines, estimated off-policy on the recent log.
    summary_interval_s: float = Field(default=10.0, gt=0)
    summary_settle_s: float = Field(default=5.0, ge=0)  # newer rows wait for the next run
    comparison_interval_s: float = Field(default=900.0, gt=0)
    # Uplift over no_action per offer and band (nba.uplift): the guard's stored report is
    # re-estimated this often on the trainer's process, over this many days of decisions;
    # a figure needs this many effective decisions of both the offer and no_action.
    uplift_interval_s: float = Field(default=3600.0, gt=0)
    uplift_window_days: float = Field(default=180.0, gt=0)
    uplift_min_ess: float = Field(default=50.0, gt=0)


GROUPS: dict[str, type[_Group]] = {
    "database": DatabaseSettings,
    "serving": ServingSettings,
    "learning": LearningSettings,
    "reward": RewardSettings,
    "evaluation": EvaluationSettings,
}

_RENAMED = {
    ("database", "url"): "database_url",
    ("reward", "mode"): "reward_mode",
    ("reward", "scale"): "reward_scale",
    ("reward", "window_days"): "reward_window_days",
    ("evaluation", "decisions"): "evaluation_decisions",
}
"""Fields whose flat name is not the field's own name (the names users have always written)."""

FLAT_NAMES: dict[str, tuple[str, str]] = {
    _RENAMED.get((group, name), name): (group, name)
    for group, model in GROUPS.items()
    for name in model.model_fields
}
"""Each flat name (environment variable `NBA_<NAME>`, TOML key, keyword) → (group, field)."""

TOP_LEVEL = ("seed",)
"""Settings outside any group: their flat name is their field."""


class Settings(BaseSettings):
    """Everything an nba process can be configured with; defaults give a working service."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    database: DatabaseSettings = DatabaseSettings()
    serving: ServingSettings = ServingSettings()
    learning: LearningSettings = LearningSettings()
    reward: RewardSettings = RewardSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
    seed: int | None = None

    @property
    def policy_name(self) -> str:
        """The policy of a fresh model: the setting, or the reward mode's `default_policy`."""
        if self.learning.policy == DEFAULT_POLICY:
            return default_policy(self.reward.mode)
        return self.learning.policy

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as error:
            raise _by_flat_names(error) from None

    @model_validator(mode="before")
    @classmethod
    def _fold_flat_names(cls, data: object) -> object:
        """Flat names into their groups; an unknown name is an InvalidSetting naming it."""
        return grouped(data) if isinstance(data, Mapping) else data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keywords, then the flat NBA_ variables (the TOML file is `load_settings`' layer)."""
        return init_settings, _FlatEnvironment(settings_cls)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` (flat names or groups) applied and validated, unlike pydantic's."""
        if not update:
            return super().model_copy(deep=deep)
        # Every field given: the environment read while validating cannot change the copy.
        return type(self)(**_merged(self.model_dump(), grouped(update)))


def grouped(values: Mapping[str, Any], *, source: str = "") -> dict[str, Any]:
    """`values` with flat names folded into their groups, which may also be given whole.

    A flat name beats its group's field given in the same mapping. Raises InvalidSetting for a
    name that is no setting, suggesting the closest one; `source` says where it was written.
    """
    folded: dict[str, Any] = {}
    flat: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        if name in FLAT_NAMES:
            group, field = FLAT_NAMES[name]
            flat.setdefault(group, {})[field] = value
        elif name in GROUPS:
            folded[name] = _group_values(name, value, source)
        elif name in TOP_LEVEL:
            folded[name] = value
        else:
            raise _unknown(name, [*FLAT_NAMES, *GROUPS, *TOP_LEVEL], source)
    for group, fields in flat.items():
        given = folded.get(group, {})
        folded[group] = {**given, **fields} if isinstance(given, Mapping) else fields
    return folded


def _by_flat_names(error: ValidationError) -> ValidationError:
    """The same errors, located by the flat names users write (`reward_mode`, not `reward.mode`)."""
    flat_of = {place: flat for flat, place in FLAT_NAMES.items()}
    details: list[Any] = []
    for line in error.errors():
        loc = line["loc"]
        flat = flat_of.get((str(loc[0]), str(loc[1]))) if len(loc) > 1 else None
        detail: dict[str, Any] = {"type": line["type"], "loc": (flat, *loc[2:]) if flat else loc}
        detail["input"] = line["input"]
        if "ctx" in line:
            detail["ctx"] = line["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(error.title, details)


def _group_values(group: str, value: object, source: str) -> object:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if not isinstance(value, Mapping):
        return value  # validation says what the group expects
    for name in value:
        if name not in GROUPS[group].model_fields:
            known = [f"{group}.{field}" for field in GROUPS[group].model_fields]
            hinted = FLAT_NAMES.get(name, ("", ""))
            hint = f"{group}.{hinted[1]}" if hinted[0] == group else None
            raise _unknown(f"{group}.{name}", known, source, hint)
    return dict(value)


def _merged(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _merged(below, value)
        else:
            merged[key] = value
    return merged


def _unknown(name: str, known: list[str], source: str, hint: str | None = None) -> InvalidSetting:
    closest = hint or next(iter(difflib.get_close_matches(name, known, n=1, cutoff=0.6)), None)
    where = f" in {source}" if source else ""
    problem = f"unknown setting{where}"
    if closest:
        problem += f"; did you mean {closest}?"
    return InvalidSetting(name, problem)


def environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings in `environ`'s NBA_<FLAT NAME> variables (any case), grouped.

    Raises InvalidSetting for an NBA_ variable that is neither a setting nor one of
    `OTHER_NBA_VARIABLES`, and for a dict setting whose value is not a JSON object.
    """
    flat: dict[str, Any] = {}
    known = [f"{ENV_PREFIX}{name.upper()}" for name in (*FLAT_NAMES, *TOP_LEVEL)]
    for variable, value in environ.items():
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper in OTHER_NBA_VARIABLES:
            continue
        name = upper.removeprefix(ENV_PREFIX).lower()
        if name not in FLAT_NAMES and name not in TOP_LEVEL:
            raise _unknown(variable, known, "the environment")
        flat[name] = _json_if_dict(variable, name, value)
    return grouped(flat)


def _json_if_dict(variable: str, name: str, value: str) -> object:
    if name not in FLAT_NAMES:
        return value
    group, field = FLAT_NAMES[name]
    if get_origin(GROUPS[group].model_fields[field].annotation) is not dict:
        return value
    try:
        decoded = json.loads(value)
    except ValueError as error:
        raise InvalidSetting(variable, f"must be a JSON object: {error}") from None
    if not isinstance(decoded, dict):
        raise InvalidSetting(variable, f"must be a JSON object, got {value!r}")
    return decoded


class _FlatEnvironment(PydanticBaseSettingsSource):
    """The NBA_ environment variables by their flat names (not pydantic's nested JSON ones)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: `__call__` reads every variable at once

    def __call__(self) -> dict[str, Any]:
        return environment_values(os.environ)


def file_values(path: str | Path) -> dict[str, Any]:
    """The settings of a TOML file: flat keys and/or [group] tables, grouped."""
    with open(path, "rb") as f:
        try:
            values = tomllib.load(f)
        except tomllib.TOMLDecodeError as error:
            raise InvalidSetting(str(path), f"not a TOML file: {error}") from None
    return grouped(values, source=str(path))


def load_settings(**overrides: Any) -> Settings:
    """Build Settings for an entry point: TOML file (NBA_CONFIG) < environment < `overrides`.

    `overrides` take flat names; None means "not given" (a flag left unset).
    """
    config_path = os.environ.get("NBA_CONFIG")
    layers = [
        file_values(config_path) if config_path else {},
        environment_values(os.environ),
        grouped({k: v for k, v in overrides.items() if v is not None}),
    ]
    merged: dict[str, Any] = {}
    for layer in layers:
        merged = _merged(merged, layer)
    return Settings(**merged)
