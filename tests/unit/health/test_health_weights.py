"""The health weights file: read from YAML or JSON, every problem named by its key."""

from __future__ import annotations

import json
from copy import deepcopy

import pytest

from nba.config import Settings
from nba.errors import InvalidSetting
from nba.health import DEFAULT_WEIGHTS, default_weights, health_weights, load_weights
from nba.runtime import build_runtime

YAML = """
families:
  service:
    weight: 3
    triggers:
      - {signal: support_calls_7d, op: ge, value: 2}
  payments:
    weight: 1
    triggers:
      - {signal: late_payments_90d, value: 1}
      - {signal: downgraded_6m, op: eq, value: true}
bands: {green_min: 80, amber_min: 50}
force_red_families: 2
"""


def _with(path: tuple, value: object) -> dict:
    data = deepcopy(dict(DEFAULT_WEIGHTS))
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return data


def test_a_yaml_file_replaces_the_defaults(tmp_path):
    path = tmp_path / "health.yaml"
    path.write_text(YAML)
    weights = load_weights(path)
    assert list(weights.families) == ["service", "payments"]
    assert weights.total_weight == 4
    assert (weights.bands.green_min, weights.force_red_families) == (80, 2)


def test_a_json_file_is_read_too(tmp_path):
    path = tmp_path / "health.json"
    path.write_text(json.dumps(DEFAULT_WEIGHTS))
    assert load_weights(path) == default_weights()


def test_no_file_gives_the_defaults():
    assert load_weights(None) == default_weights()


@pytest.mark.parametrize(
    "path, value, key, says",
    [
        (("families", "service", "weight"), -1, "families.service.weight", "greater than"),
        (("families", "service", "wieght"), 1, "families.service.wieght", "unknown key"),
        (
            ("families", "service", "triggers", 0, "signal"),
            "suport_calls_7d",
            "families.service.triggers.0.signal",
            "did you mean 'support_calls_7d'",
        ),
        (
            ("families", "billing", "triggers", 2, "op"),
            "ge",
            "families.billing.triggers.2.value",
            "bill_shock is a flag",
        ),
        (
            ("families", "usage", "triggers", 0, "value"),
            True,
            "families.usage.triggers.0.value",
            "must be a number",
        ),
        (("families", "usage", "triggers", 0, "op"), "below", "families.usage.triggers.0.op", ""),
        (("families", "usage", "triggers"), [], "families.usage.triggers", "at least 1"),
        (("bands", "amber_min"), 75, "bands", "must be below green_min"),
        (("bands", "green_min"), 101, "bands.green_min", "less than or equal to 100"),
        (("force_red_families",), 0, "force_red_families", "greater than or equal to 1"),
        (("families",), {}, "families", "at least 1"),
        (("colour",), "red", "colour", "unknown key"),
    ],
)
def test_a_bad_weights_value_is_an_error_naming_its_key(tmp_path, path, value, key, says):
    file = tmp_path / "health.yaml"
    file.write_text(json.dumps(_with(path, value)))
    with pytest.raises(InvalidSetting) as raised:
        load_weights(file)
    assert raised.value.details["setting"] == key
    assert says in raised.value.message and str(file) in raised.value.message


def test_weights_that_are_all_zero_are_refused():
    data = deepcopy(dict(DEFAULT_WEIGHTS))
    for family in data["families"].values():
        family["weight"] = 0
    with pytest.raises(InvalidSetting, match="must not all be 0") as raised:
        health_weights(data)
    assert raised.value.details["setting"] == "families"


def test_a_file_that_is_not_yaml_names_the_setting(tmp_path):
    file = tmp_path / "health.yaml"
    file.write_text("families: [unclosed")
    with pytest.raises(InvalidSetting) as raised:
        load_weights(file)
    assert raised.value.details["setting"] == "health_score_file"


def test_a_bad_file_stops_the_service_before_it_starts(tmp_path, monkeypatch):
    file = tmp_path / "health.yaml"
    file.write_text("families: {service: {weight: 1, triggers: [{signal: nope, value: 1}]}}")
    monkeypatch.setenv("NBA_HEALTH_SCORE_FILE", str(file))
    settings = Settings(data_dir=tmp_path)
    assert settings.serving.health_score_file == file
    with pytest.raises(InvalidSetting, match=r"families\.service\.triggers\.0\.signal"):
        build_runtime(settings)
    assert not (tmp_path / "nba.db").exists()
