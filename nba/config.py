"""One frozen Settings object, read from NBA_* environment variables and an optional TOML file."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

RewardMode = Literal["acceptance", "net_value", "retention_value"]


class Settings(BaseSettings):
    """Everything an nba process can be configured with; defaults give a working service."""

    model_config = SettingsConfigDict(env_prefix="NBA_", frozen=True, extra="ignore")

    data_dir: Path = Path(".nba")
    database_url: str | None = None
    policy: str = "vw"
    policy_params: dict[str, Any] = Field(default_factory=dict)
    reward_mode: RewardMode = "acceptance"
    reward_scale: float = Field(100.0, gt=0)
    reward_window_days: float = Field(7.0, gt=0)
    default_accepted: bool = False
    no_action_enabled: bool = True
    online_learning: bool = True
    save_interval_s: float = Field(60.0, gt=0)
    default_outcome_interval_s: float = Field(600.0, gt=0)
    offer_cache_s: float = Field(2.0, ge=0)
    # SQLite: a serving process checkpoints the WAL in the background this often (0: commits
    # checkpoint it themselves, SQLite's default, a pause inside every ~150th decision).
    sqlite_checkpoint_s: float = Field(1.0, ge=0)
    # Model lifecycle: one trainer of record (a database lease), every worker polls and swaps.
    trainer_enabled: bool = True
    train_batch: int = Field(1000, gt=0)
    train_max_events: int = Field(200_000, gt=0)
    trainer_lease_s: float = Field(15.0, gt=0)
    model_poll_s: float = Field(1.0, gt=0)
    evaluate_versions: bool = True
    evaluation_decisions: int = Field(5000, gt=0)
    # Retention as the reward: answers weeks later; a default when none comes in the window.
    retention_window_days: float = Field(60.0, gt=0)
    retention_default_retained: bool = True
    retention_default_value: float = Field(100.0, ge=0)
    retention_interim_reward: float = Field(0.0, ge=-1, le=1)  # an accept's, until the answer
    # Apprentice mode: the churn-band rules decide (with exploration) while the learner trains.
    apprentice: bool = False
    apprentice_epsilon: float = Field(0.1, gt=0, le=1)
    apprentice_min_outcomes: int = Field(500, gt=0)
    apprentice_interval_s: float = Field(300.0, gt=0)
    # Drift: rolling acceptance rate per offer, recent window against the one before it.
    drift_window: int = Field(300, gt=0)
    drift_z: float = Field(4.0, gt=0)
    drift_interval_s: float = Field(300.0, gt=0)
    # Cold start: a new offer gets at least this probability for its first shows.
    new_offer_shows: int = Field(200, ge=0)
    new_offer_min_probability: float = Field(0.0, ge=0, lt=1)
    max_body_bytes: int = 1_000_000
    max_batch: int = 1000
    bootstrap_admin_key: str | None = None
    seed: int | None = None
    host: str = "127.0.0.1"
    port: int = 8000

    @field_validator("database_url")
    @classmethod
    def _postgres_driver(cls, url: str | None) -> str | None:
        if url and url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url

    @property
    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one, else a SQLite file in `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'nba.db').resolve()}"


def load_settings(**overrides: Any) -> Settings:
    """Build Settings for an entry point: TOML file (NBA_CONFIG), then env, then overrides."""
    file_values: dict[str, Any] = {}
    config_path = os.environ.get("NBA_CONFIG")
    if config_path:
        with open(config_path, "rb") as f:
            file_values = tomllib.load(f)
    env_names = {name for name in Settings.model_fields if f"NBA_{name.upper()}" in os.environ}
    base = {k: v for k, v in file_values.items() if k not in env_names}
    chosen = {k: v for k, v in overrides.items() if v is not None}
    # Keyword arguments beat the environment in pydantic-settings: flags > env > file.
    return Settings(**{**base, **chosen})
