"""The model registry over HTTP: list with metrics, pin, compare, train, evaluation per version."""

from __future__ import annotations

from datetime import UTC, datetime

from nba.storage import acquire_lock, models
from tests.lifecycle.helpers import decide_and_report


def test_train_then_list_shows_the_version_with_its_metrics(client, headers, runtime):
    decide_and_report(runtime, 40)
    trained = client.post("/v1/models/train", headers=headers("admin"))
    assert trained.status_code == 200 and trained.json["metrics"]["learned"] == 40
    listed = client.get("/v1/models", headers=headers("admin")).json["models"]
    assert [m["version"] for m in listed] == [1] and listed[0]["is_active"]


def test_pin_and_unpin_a_version(client, headers, runtime):
    decide_and_report(runtime, 5)
    runtime.save_model()
    pinned = client.post("/v1/models/1/pin", headers=headers("admin"))
    assert pinned.status_code == 200 and pinned.json["is_pinned"]
    unpinned = client.post("/v1/models/1/unpin", headers=headers("admin"))
    assert unpinned.status_code == 200 and not unpinned.json["is_pinned"]
    assert client.post("/v1/models/9/pin", headers=headers("admin")).status_code == 404


def test_training_while_another_process_trains_is_409(client, headers, runtime):
    decide_and_report(runtime, 5)
    with runtime.database.session() as session:
        acquire_lock(session, "trainer", "another-host:1:x", 60, datetime.now(UTC))
    reply = client.post("/v1/models/train", headers=headers("admin"))
    assert reply.status_code == 409 and "another-host" in reply.json["error"]["message"]


def test_each_new_version_is_evaluated_against_the_previous_one_and_the_baseline(runtime):
    decide_and_report(runtime, 60)
    runtime.save_model()
    decide_and_report(runtime, 60, start=60)
    runtime.save_model()
    metrics = dict(runtime.models.get(2).metrics)
    for key in ("ope_snips", "ope_snips_ci_low", "ope_previous_snips", "ope_baseline_snips"):
        assert key in metrics
    assert metrics["ope_n"] == 120
    assert metrics["ope_snips_ci_low"] <= metrics["ope_snips"] <= metrics["ope_snips_ci_high"]


def test_compare_two_versions_on_the_same_log(client, headers, runtime):
    decide_and_report(runtime, 40)
    runtime.save_model()
    decide_and_report(runtime, 40, start=40)
    runtime.save_model()
    reply = client.get("/v1/models/compare?a=1&b=2", headers=headers("admin"))
    assert reply.status_code == 200 and reply.json["n"] == 80
    assert set(reply.json["versions"]) == {"1", "2"} and reply.json["estimator"] == "snips"
    bad = client.get("/v1/models/compare?a=x&b=2", headers=headers("admin"))
    assert bad.status_code == 400 and bad.json["error"]["details"]["field"] == "a"
    assert client.get("/v1/models/compare?a=1&b=7", headers=headers("admin")).status_code == 404


def test_cli_lists_pins_and_compares(runtime, settings):
    from click.testing import CliRunner

    from nba.cli import main

    decide_and_report(runtime, 40)
    runtime.save_model()
    runtime.save_model() or runtime.models.train()
    url = ["--database-url", settings.database.url]
    cli = CliRunner()
    assert cli.invoke(main, ["models", "pin", "1", *url]).exit_code == 0
    listed = cli.invoke(main, ["models", "list", *url])
    assert listed.exit_code == 0 and "pinned" in listed.output and "learned=40" in listed.output
    compared = cli.invoke(main, ["models", "compare", "1", "2", *url])
    assert compared.exit_code == 0 and '"estimator": "snips"' in compared.output


def test_activating_a_corrupt_version_is_refused_and_the_active_one_stays(client, headers, runtime):
    decide_and_report(runtime, 5)
    assert client.post("/v1/models/train", headers=headers("admin")).status_code == 200
    with runtime.database.session() as session:
        models.add_model_version(session, "vw", {}, b"not a model", None, activate=False)
    reply = client.post("/v1/models/2/activate", headers=headers("admin"))
    assert reply.status_code in (409, 422), reply.json
    listed = client.get("/v1/models", headers=headers("admin")).json["models"]
    assert [m["version"] for m in listed if m["is_active"]] == [1]
    decided = client.post(
        "/v1/decisions", json={"customer_id": "c-1", "churn_score": 0.5}, headers=headers("crm")
    )
    assert decided.status_code == 200 and decided.json["policy"]["model_version"] == 1
