"""Settings: defaults work, env beats the TOML file, flags beat env, bad values are refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nba.config import Settings, load_settings


def test_defaults_give_an_embedded_sqlite_database(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("NBA_"):
            monkeypatch.delenv(name)
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / '.nba' / 'nba.db'}"
    assert settings.policy == "vw" and settings.reward_mode == "acceptance"


def test_env_beats_file_and_flags_beat_env(monkeypatch, tmp_path):
    config = tmp_path / "nba.toml"
    config.write_text('policy = "rules"\nreward_window_days = 3\nport = 9000\n')
    monkeypatch.setenv("NBA_CONFIG", str(config))
    monkeypatch.setenv("NBA_REWARD_WINDOW_DAYS", "5")
    settings = load_settings(port=9100)
    assert settings.policy == "rules"
    assert settings.reward_window_days == 5
    assert settings.port == 9100


def test_postgresql_url_gets_the_psycopg_driver():
    settings = Settings(database_url="postgresql://u@h/db")
    assert settings.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("field", "value"), [("reward_mode", "cash"), ("reward_scale", 0)])
def test_bad_setting_is_refused_naming_it(field, value):
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})


def test_bad_flag_value_is_refused(monkeypatch):
    monkeypatch.delenv("NBA_CONFIG", raising=False)
    with pytest.raises(ValidationError, match="port"):
        load_settings(port="not a port")
