"""`nba offers add|edit`: every problem of an offer at once, and `--set` on nested fields."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nba.cli import main


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])

    return run


@pytest.fixture
def disc(nba):
    spec = ["--id", "disc", "--name", "Discount", "--category", "discount", "--cost", "5",
            "--feature", "discount_pct=10", "--feature", "channel=app"]  # fmt: skip
    assert nba("offers", "add", *spec).exit_code == 0
    nba("offers", "edit", "disc", "--set", 'caps={"max_per_customer": 1, "window_days": 14}')
    return "disc"


def _shown(nba, offer_id: str) -> dict:
    return json.loads(nba("offers", "show", offer_id).stdout)


def test_a_file_with_a_misspelt_field_lists_every_problem_unknown_first(nba, tmp_path):
    path = tmp_path / "offer.json"
    path.write_text(json.dumps({"id": "disc", "name": "Discount", "catgory": "discount"}))
    result = nba("offers", "add", "--file", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: 2 problems:",
        "  catgory: unknown field (did you mean 'category'?)",
        "  category: is required",
    ]


def test_set_of_a_misspelt_field_lists_the_editable_fields_and_nested_ones(nba, disc):
    result = nba("offers", "edit", disc, "--set", "valeu=45")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "valeu: unknown field (did you mean 'value'?)" in message
    assert ("Editable fields: name, description, category, cost, value, features, "
            "eligibility, caps, starts_at, ends_at, status") in message  # fmt: skip
    assert "--set caps.max_per_customer=2" in message
    assert _shown(nba, disc)["version"] == 2


def test_set_of_one_cap_keeps_the_other_caps(nba, disc):
    result = nba("offers", "edit", disc, "--set", "caps.max_per_customer=2")
    assert result.exit_code == 0, result.output
    caps = _shown(nba, disc)["caps"]
    assert caps["max_per_customer"] == 2 and caps["window_days"] == 14


def test_set_of_nested_fields_changes_only_those(nba, disc):
    result = nba("offers", "edit", disc, "--set", "eligibility.churn_min=0.3",
                 "--set", "features.discount_pct=15", "--set", "cost=6")  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = _shown(nba, disc)
    assert shown["eligibility"]["churn_min"] == 0.3 and shown["eligibility"]["churn_max"] == 1.0
    assert shown["features"] == {"discount_pct": 15, "channel": "app"}
    assert shown["cost"] == 6 and shown["caps"]["max_per_customer"] == 1


def test_set_of_a_misspelt_nested_field_names_the_field_meant(nba, disc):
    result = nba("offers", "edit", disc, "--set", "caps.max_per_cstomer=2")
    assert result.exit_code == 1
    assert "caps.max_per_cstomer: unknown field (did you mean 'max_per_customer'?)" in (
        result.stderr
    )


def test_set_of_a_field_inside_a_plain_field_is_refused(nba, disc):
    result = nba("offers", "edit", disc, "--set", "cost.amount=3")
    assert result.exit_code == 2
    assert "cost has no fields of its own: set it whole, --set cost=VALUE" in result.stderr


def test_the_editable_fields_are_those_of_an_offer_edit_body():
    from nba.cli.offers import EDITABLE, NESTED
    from nba.schemas import OfferPatch

    assert tuple(OfferPatch.model_fields) == EDITABLE
    assert set(NESTED) <= set(EDITABLE)
