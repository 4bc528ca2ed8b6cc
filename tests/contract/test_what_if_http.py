"""What-if runs over HTTP: submit a proposal, poll it to its result, the 400s naming their field,
an unknown run, the list, who may call, and a process without the simulator."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask.testing import FlaskClient

from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from simulator.what_if_engine import SimulatorWhatIf
from tests.conftest import SAMPLE_OFFERS
from tests.databases import SQLITE_ONLY
from tests.waiting import wait_until

pytestmark = SQLITE_ONLY

Headers = Callable[[str], dict[str, str]]
SAVE_PACK = {
    "id": "save_pack",
    "name": "Save pack",
    "category": "service",
    "cost": 2,
    "value": 100,
    "response": {
        "intercept": -0.5,
        "weights": {"churn": 3.0},
        "save_rate": 0.9,
        "fit": {"price": 1, "service": 1, "disengaged": 1, "loyal": 1},
    },
}
TINY = {"steps": 300, "seeds": 2, "population": 1000}
"""The smallest run the limits allow, and a few more decisions: about a second."""
PROPOSAL = {"offers": [SAVE_PACK], **TINY}


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The runtime as `nba serve` builds it: with the simulator's what-if engine."""
    built = build_runtime(settings, what_if_engine=SimulatorWhatIf())
    for spec in SAMPLE_OFFERS:
        built.catalog.add(spec)
    yield built
    built.close()


def _finished(client: FlaskClient, location: str, headers: dict[str, str]) -> dict:
    def done() -> dict | None:
        reply = client.get(location, headers=headers)
        assert reply.status_code == 200
        return reply.json if reply.json["status"] in ("done", "failed") else None

    return wait_until(done, 60, f"what-if run {location} to finish", poll_s=0.2)


def test_a_proposal_runs_to_the_changes_with_their_intervals_and_notes(
    client: FlaskClient, headers: Headers
) -> None:
    started = client.post("/v1/what-if", json=PROPOSAL, headers=headers("marketer"))
    assert started.status_code == 202
    run_id = started.json["id"]
    assert started.headers["Location"] == f"/v1/what-if/{run_id}"
    assert started.json["status"] in ("pending", "running") and started.json["result"] is None

    run = _finished(client, started.headers["Location"], headers("analyst"))
    assert run["status"] == "done", run["error"]
    result = run["result"]
    changes = {c["metric"]: c for c in result["changes"]}
    assert list(changes) == ["accepts", "cost", "retained_value", "net_value"]
    assert result["confidence"] == "95%"
    for change in changes.values():
        assert change["ci_low"] <= change["change"] <= change["ci_high"]
        assert change["change"] == pytest.approx(change["proposed"] - change["current"])
        assert "interval" in change["note"]
    # A cheap offer that nearly every customer takes and that keeps them: more accepts.
    assert changes["accepts"]["excludes_zero"] and changes["accepts"]["ci_low"] > 0
    assert "raises accepts" in changes["accepts"]["note"]
    assert "300 decisions" in result["explanation"]
    offers = {o["offer_id"]: o for o in result["offers"]}
    assert offers["save_pack"]["current"] is None and offers["save_pack"]["proposed"]["shows"] > 0


def test_the_list_shows_the_newest_run_first(client: FlaskClient, headers: Headers) -> None:
    first = client.post("/v1/what-if", json=PROPOSAL, headers=headers("analyst")).json["id"]
    second = client.post(
        "/v1/what-if", json={"remove": ["discount_25"], **TINY}, headers=headers("analyst")
    ).json["id"]
    listed = client.get("/v1/what-if", headers=headers("marketer"))
    assert listed.status_code == 200
    assert [run["id"] for run in listed.json["runs"]] == [second, first]
    one = client.get("/v1/what-if?limit=1", headers=headers("marketer")).json["runs"]
    assert [run["id"] for run in one] == [second]


@pytest.mark.parametrize(
    "body, field",
    [
        ({**PROPOSAL, "steps": 10}, "steps"),
        ({**PROPOSAL, "seeds": 1}, "seeds"),
        ({**PROPOSAL, "population": "many"}, "population"),
        ({**PROPOSAL, "steps": 50_000, "seeds": 5}, "steps"),
        ({**PROPOSAL, "reward": "clicks"}, "reward"),
        ({**PROPOSAL, "offers": [{**SAVE_PACK, "cost": -1}]}, "offers.0.cost"),
        ({**PROPOSAL, "offers": [{"id": "brand_new", "name": "New", "category": "loyalty",
                                  "cost": 1}]}, "offers.0.response"),
        ({**PROPOSAL, "offers": [{"id": "discount_25", "cots": 3}]}, "offers.0.cots"),
        ({**TINY, "remove": ["no_action"]}, "remove.0"),
        ({**TINY, "remove": ["not_an_offer"]}, "remove.0"),
        ({**PROPOSAL, "current": {"remove": ["no_action"]}}, "current.remove.0"),
        ({**PROPOSAL, "budget": 5}, "budget"),
    ],
)  # fmt: skip
def test_a_bad_proposal_is_400_naming_the_field_and_stores_nothing(
    client: FlaskClient, headers: Headers, runtime: Runtime, body: dict, field: str
) -> None:
    reply = client.post("/v1/what-if", json=body, headers=headers("marketer"))
    assert reply.status_code == 400, reply.json
    assert reply.json["error"]["details"]["field"] == field
    assert runtime.what_ifs.recent() == []


def test_an_unknown_run_is_404(client: FlaskClient, headers: Headers) -> None:
    reply = client.get("/v1/what-if/no-such-run", headers=headers("analyst"))
    assert reply.status_code == 404 and reply.json["error"]["code"] == "not_found"


def test_a_list_limit_out_of_range_is_400_naming_it(client: FlaskClient, headers: Headers) -> None:
    reply = client.get("/v1/what-if?limit=0", headers=headers("analyst"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == "limit"


@pytest.mark.parametrize(
    "role, status", [("marketer", 202), ("analyst", 202), ("admin", 202), ("crm", 403)]
)
def test_marketers_analysts_and_admins_may_start_a_run(
    client: FlaskClient, headers: Headers, role: str, status: int
) -> None:
    reply = client.post("/v1/what-if", json=PROPOSAL, headers=headers(role))
    assert reply.status_code == status
    listed = client.get("/v1/what-if", headers=headers(role))
    assert listed.status_code == (200 if status == 202 else 403)


def test_without_the_simulator_a_run_is_refused_and_nothing_stored(settings: Settings) -> None:
    plain = build_runtime(settings)
    try:
        client = create_app(runtime=plain, start_jobs=False).test_client()
        _, secret = plain.keys.create("marketer", "no simulator")
        reply = client.post(
            "/v1/what-if", json=PROPOSAL, headers={"Authorization": f"Bearer {secret}"}
        )
        assert reply.status_code == 422 and "nba serve" in reply.json["error"]["message"]
        assert reply.json["error"]["code"] == "unsupported"
        assert plain.what_ifs.recent() == []
    finally:
        plain.close()
