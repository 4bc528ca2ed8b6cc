"""`nba simulate --catalog`: the what-if table, its JSON and HTML, and a bad file refused."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nba.cli import main

PROPOSED = """
offers:
  - id: save_pack
    name: Save pack
    category: service
    cost: 2
    value: 100
    response:
      intercept: -0.5
      weights: {churn: 3.0}
      save_rate: 0.9
      fit: {price: 1, service: 1, disengaged: 1, loyal: 1}
"""


def test_what_if_prints_the_changes_and_writes_json_and_html(tmp_path):
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text(PROPOSED)
    out_json, out_html = tmp_path / "w.json", tmp_path / "w.html"
    args = ["simulate", "--catalog", str(proposed), "--steps", "2000", "--seeds", "3"]
    args += ["--population", "3000", "--json", str(out_json), "--html", str(out_html)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["metric", "current", "proposed", "change"]
    assert any(line.startswith("net value") and line.endswith("*") for line in lines)
    assert lines[-1] == str(out_html)
    document = json.loads(out_json.read_text())
    assert document["seeds"] == [0, 1, 2] and document["reward_mode"] == "retention_value"
    assert document["changes"]["accepts"]["ci_low"] > 0
    page = out_html.read_text()
    assert page.count("<svg") == 3 and "Change in accepts per run" in page


def test_a_bad_catalogue_fails_naming_the_place(tmp_path):
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text("offers:\n  - {id: discount_10, cost: -5}\n")
    result = CliRunner().invoke(main, ["simulate", "--catalog", str(proposed), "--steps", "10"])
    assert result.exit_code == 1
    assert "offers.0.cost" in result.output


def test_a_what_if_run_refuses_another_scenario(tmp_path):
    proposed = tmp_path / "proposed.yaml"
    proposed.write_text("offers: []\n")
    args = ["simulate", "--catalog", str(proposed), "--scenario", "drift", "--steps", "10"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "--scenario" in result.output
