"""Settings: defaults work, env beats the TOML file, flags beat env, bad values are refused."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from nba.config import (
    FLAT_NAMES,
    GROUPS,
    OTHER_NBA_VARIABLES,
    TOP_LEVEL,
    RewardMode,
    Settings,
    load_settings,
)
from nba.errors import InvalidSetting

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
MISSPELLED = {"NBA_REWARD_MOD", "NBA_PROT"}  # the tests' own unknown variables


@pytest.fixture(autouse=True)
def _no_nba_environment(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("NBA_"):
            monkeypatch.delenv(name)


def test_defaults_give_an_embedded_sqlite_database(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.database.resolved_url == f"sqlite:///{tmp_path / '.nba' / 'nba.db'}"
    assert settings.learning.policy == "default" and settings.policy_name == "vw"
    assert settings.reward.mode is RewardMode.ACCEPTANCE


def test_the_default_policy_follows_the_reward_mode_unless_one_is_set():
    retention = Settings(reward_mode="retention_value")
    assert retention.policy_name == "pooled-ridge"
    assert Settings(reward_mode="net_value").policy_name == "vw"
    assert Settings(reward_mode="retention_value", policy="lints").policy_name == "lints"
    assert retention.model_copy(update={"reward_mode": "acceptance"}).policy_name == "vw"


def test_env_beats_file_and_flags_beat_env(monkeypatch, tmp_path):
    config = tmp_path / "nba.toml"
    config.write_text('policy = "rules"\nreward_window_days = 3\nport = 9000\n')
    monkeypatch.setenv("NBA_CONFIG", str(config))
    monkeypatch.setenv("NBA_REWARD_WINDOW_DAYS", "5")
    settings = load_settings(port=9100)
    assert settings.learning.policy == "rules"
    assert settings.reward.window_days == 5
    assert settings.serving.port == 9100


def test_the_file_may_group_settings_in_tables(monkeypatch, tmp_path):
    config = tmp_path / "nba.toml"
    config.write_text('seed = 3\n[policy_params]\nx = 1\n[reward]\nmode = "net_value"\nscale = 9\n')
    monkeypatch.setenv("NBA_CONFIG", str(config))
    monkeypatch.setenv("NBA_REWARD_SCALE", "20")
    settings = load_settings()
    assert settings.reward.mode is RewardMode.NET_VALUE and settings.reward.scale == 20
    assert settings.learning.policy_params == {"x": 1} and settings.seed == 3


@pytest.mark.parametrize(
    "text, named, suggested",
    [('reward_mod = "net_value"\n', "reward_mod", "reward_mode"),
     ("[serving]\nprot = 9000\n", "serving.prot", "serving.port")],
)  # fmt: skip
def test_a_misspelled_key_in_the_file_is_an_error_naming_it(
    monkeypatch, tmp_path, text, named, suggested
):
    config = tmp_path / "nba.toml"
    config.write_text(text)
    monkeypatch.setenv("NBA_CONFIG", str(config))
    with pytest.raises(InvalidSetting) as raised:
        load_settings()
    message = raised.value.message
    assert message.startswith(f"{named}: ") and str(config) in message and suggested in message


def test_an_unknown_nba_variable_is_an_error_naming_it(monkeypatch):
    monkeypatch.setenv("NBA_REWARD_MOD", "net_value")
    with pytest.raises(InvalidSetting, match=r"NBA_REWARD_MOD: .*did you mean NBA_REWARD_MODE"):
        load_settings()
    with pytest.raises(InvalidSetting, match="NBA_REWARD_MOD"):
        Settings()


def test_nba_variables_the_project_uses_elsewhere_are_allowed(monkeypatch, tmp_path):
    config = tmp_path / "nba.toml"
    config.write_text("seed = 4\n")
    monkeypatch.setenv("NBA_CONFIG", str(config))
    monkeypatch.setenv("NBA_TEST_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1/test")
    assert load_settings().seed == 4


def test_every_nba_variable_the_tree_uses_is_a_setting_or_allowed():
    files = [ROOT / "Makefile", ROOT / ".ci" / "run", ROOT / "pyproject.toml", README]
    for folder in ("nba", "api", "policies", "simulator", "tests", "benchmarks", "docs"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md")]
    used = {
        name
        for path in files
        if path.is_file()
        for name in re.findall(r"\bNBA_[A-Z][A-Z_]*[A-Z]\b", path.read_text())
    }
    names = {f"NBA_{name.upper()}" for name in (*FLAT_NAMES, *TOP_LEVEL)}
    assert used - names - MISSPELLED == OTHER_NBA_VARIABLES


def test_environment_variables_keep_their_flat_names(monkeypatch):
    monkeypatch.setenv("NBA_POLICY_PARAMS", '{"epsilon": 0.2}')
    monkeypatch.setenv("NBA_NO_ACTION_ENABLED", "false")
    monkeypatch.setenv("NBA_DATABASE_URL", "sqlite:///x.db")
    settings = Settings()
    assert settings.learning.policy_params == {"epsilon": 0.2}
    assert settings.serving.no_action_enabled is False
    assert settings.database.url == "sqlite:///x.db"


def test_a_dict_setting_in_the_environment_must_be_json(monkeypatch):
    monkeypatch.setenv("NBA_POLICY_PARAMS", "epsilon=0.2")
    with pytest.raises(InvalidSetting, match="NBA_POLICY_PARAMS: must be a JSON object"):
        Settings()


def test_flat_keywords_land_in_their_groups_and_beat_the_environment(monkeypatch):
    monkeypatch.setenv("NBA_SAVE_INTERVAL_S", "5")
    settings = Settings(database_url="sqlite:///a.db", seed=7, save_interval_s=3600)
    assert settings.learning.save_interval_s == 3600 and settings.seed == 7
    assert settings.database.url == "sqlite:///a.db"


def test_a_misspelled_keyword_is_an_error_naming_it():
    with pytest.raises(InvalidSetting, match=r"save_interval: .*did you mean save_interval_s"):
        Settings(save_interval=3600)


def test_model_copy_takes_flat_names_and_validates_them():
    settings = Settings(seed=1, reward_scale=50)
    changed = settings.model_copy(update={"reward_mode": "net_value", "no_action_enabled": False})
    assert changed.reward.mode is RewardMode.NET_VALUE and changed.reward.scale == 50
    assert changed.serving.no_action_enabled is False and changed.seed == 1
    assert settings.reward.mode is RewardMode.ACCEPTANCE
    with pytest.raises(ValidationError, match="reward_mode"):
        settings.model_copy(update={"reward_mode": "cash"})


def test_model_copy_ignores_the_environment(monkeypatch):
    settings = Settings(seed=1)
    monkeypatch.setenv("NBA_REWARD_SCALE", "5")
    assert settings.model_copy(update={"seed": 2}).reward.scale == 100


def test_postgresql_url_gets_the_psycopg_driver():
    settings = Settings(database_url="postgresql://u@h/db")
    assert settings.database.resolved_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(("field", "value"), [("reward_mode", "cash"), ("reward_scale", 0)])
def test_bad_setting_is_refused_naming_it(field, value):
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: value})


def test_bad_flag_value_is_refused():
    with pytest.raises(ValidationError, match="port"):
        load_settings(port="not a port")


def test_the_flat_table_names_every_grouped_field_once():
    places = sorted(FLAT_NAMES.values())
    fields = sorted((group, f) for group, model in GROUPS.items() for f in model.model_fields)
    assert places == fields
    assert set(Settings.model_fields) == {*GROUPS, *TOP_LEVEL}


def test_the_readme_lists_every_setting():
    listed = set(re.findall(r"`NBA_([A-Z_]+)`", README.read_text()))
    names = {name.upper() for name in (*FLAT_NAMES, *TOP_LEVEL)}
    assert names <= listed
    assert listed - names <= {v.removeprefix("NBA_") for v in OTHER_NBA_VARIABLES}


def test_create_app_without_settings_reads_nba_config(monkeypatch, tmp_path):
    from api import create_app

    config = tmp_path / "nba.toml"
    url = f"sqlite:///{tmp_path / 'configured.db'}"
    config.write_text(f'database_url = "{url}"\nmax_body_bytes = 1234\n')
    monkeypatch.setenv("NBA_CONFIG", str(config))
    app = create_app(None, start_jobs=False)
    runtime = app.extensions["nba"]
    try:
        assert runtime.settings.database.url == url and app.config["MAX_CONTENT_LENGTH"] == 1234
    finally:
        runtime.close()


def test_every_grouped_field_has_its_own_flat_name() -> None:
    from nba.config import FLAT_NAMES, GROUPS

    fields = [(group, name) for group, model in GROUPS.items() for name in model.model_fields]
    assert sorted(FLAT_NAMES.values()) == sorted(fields)


def test_the_uplift_guard_is_off_unless_the_environment_or_the_file_turns_it_on(
    monkeypatch, tmp_path
):
    assert load_settings().serving.uplift_guard is False
    monkeypatch.setenv("NBA_UPLIFT_GUARD", "true")
    assert load_settings().serving.uplift_guard is True
    monkeypatch.delenv("NBA_UPLIFT_GUARD")
    config = tmp_path / "nba.toml"
    config.write_text("uplift_guard = true\nuplift_interval_s = 600\n")
    monkeypatch.setenv("NBA_CONFIG", str(config))
    loaded = load_settings()
    assert loaded.serving.uplift_guard is True and loaded.evaluation.uplift_interval_s == 600
