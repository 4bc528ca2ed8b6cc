"""The What-if page: who may open it, the form and its errors, a run from the form to its report,
and a process without the simulator saying so."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from api import create_app
from nba.config import Settings
from nba.domain import WhatIfRun
from nba.runtime import Runtime, build_runtime
from simulator.what_if_engine import SimulatorWhatIf
from tests.conftest import SAMPLE_OFFERS
from tests.console.conftest import csrf_token
from tests.waiting import wait_until

Clients = Callable[[str], FlaskClient]
BETTER = """offers:
  - id: save_pack
    name: Save pack
    category: service
    cost: 2
    value: 100
    response: {intercept: -0.5, weights: {churn: 3.0}, save_rate: 0.9,
               fit: {price: 1, service: 1, disengaged: 1, loyal: 1}}
"""
SMALL = {"steps": "2000", "seeds": "3", "population": "3000", "reward": "retention_value"}


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The runtime as `nba serve` builds it: with the simulator's what-if engine."""
    built = build_runtime(settings, what_if_engine=SimulatorWhatIf())
    for spec in SAMPLE_OFFERS:
        built.catalog.add(spec)
    yield built
    built.close()


def _submit(client: FlaskClient, fields: dict[str, str]):
    token = csrf_token(client.get("/ui/what-if").get_data(as_text=True))
    return client.post("/ui/what-if", data={"csrf_token": token, **fields})


def _text(reply) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True))).split())


def _finished(runtime: Runtime, run_id: str) -> WhatIfRun:
    def done() -> WhatIfRun | None:
        run = runtime.what_ifs.get(run_id)
        return run if run.status in ("done", "failed") else None

    return wait_until(done, 60, f"what-if run {run_id} to finish")


@pytest.mark.parametrize("role, status", [("marketer", 200), ("analyst", 200), ("crm", 403)])
def test_marketers_and_analysts_may_open_the_page(console_client: Clients, role, status) -> None:
    client = console_client(role)
    assert client.get("/ui/what-if").status_code == status
    assert ("/ui/what-if" in client.get("/ui/").get_data(as_text=True)) == (status == 200)


def test_a_run_from_the_form_finishes_with_the_changes_and_their_intervals(
    console_client: Clients, runtime: Runtime
) -> None:
    client = console_client("marketer")
    reply = _submit(client, {"catalog": BETTER, **SMALL})
    assert reply.status_code == 302
    run_id = reply.headers["Location"].rsplit("/", 1)[-1]
    run = _finished(runtime, run_id)
    assert run.status == "done", run.error
    page = client.get(f"/ui/what-if/{run_id}")
    text = _text(page)
    assert "net value (retained - cost)" in text and "excludes 0" in text
    assert page.get_data(as_text=True).count('class="chart-spec"') == 3  # drawn in the browser
    assert dict(run.results)["changes"]["accepts"]["ci_low"] > 0
    assert f"/ui/what-if/{run_id}" in client.get("/ui/what-if").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, field, says",
    [
        ({"catalog": "offers:\n  - {id: discount_10, cost: -1}\n"}, "catalog", "offers.0.cost"),
        ({"catalog": "offers: [unclosed"}, "catalog", "not YAML or JSON"),
        ({"catalog": BETTER, "seeds": "1"}, "seeds", "from 2 to 10"),
        ({"catalog": BETTER, "steps": "lots"}, "steps", "whole number"),
        ({"catalog": BETTER, "steps": "50000", "seeds": "5"}, "steps", "at most 200,000"),
        ({"catalog": BETTER, "current": "remove: [no_action]"}, "current", "no_action stays"),
    ],
)
def test_a_bad_form_is_shown_again_with_the_error_next_to_its_field(
    console_client: Clients, runtime: Runtime, fields, field, says
) -> None:
    reply = _submit(console_client("analyst"), {**SMALL, **fields})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert error and says in html.unescape(error.group(1))
    assert runtime.what_ifs.recent() == []


def test_without_the_simulator_the_page_says_so_and_refuses_a_run(settings: Settings) -> None:
    plain = build_runtime(settings)
    try:
        client = create_app(runtime=plain, start_jobs=False).test_client()
        _, secret = plain.keys.create("marketer", "no simulator")
        token = csrf_token(client.get("/ui/sign-in").get_data(as_text=True))
        client.post("/ui/sign-in", data={"csrf_token": token, "api_key": secret})
        assert "cannot run the simulator" in _text(client.get("/ui/what-if"))
        reply = _submit(client, {"catalog": BETTER, **SMALL})
        assert reply.status_code == 400 and "nba serve" in _text(reply)
        assert plain.what_ifs.recent() == []
    finally:
        plain.close()


def test_a_run_started_over_http_shows_its_proposal_on_the_page(
    console_client: Clients, runtime: Runtime, headers
) -> None:
    body = {"remove": ["device_upgrade"], "steps": 300, "seeds": 2, "population": 1000}
    api = create_app(runtime=runtime, start_jobs=False).test_client()
    run_id = api.post("/v1/what-if", json=body, headers=headers("analyst")).json["id"]
    assert _finished(runtime, run_id).status == "done"
    text = _text(console_client("analyst").get(f"/ui/what-if/{run_id}"))
    assert '"remove": [ "device_upgrade" ]' in text and "net value (retained - cost)" in text
