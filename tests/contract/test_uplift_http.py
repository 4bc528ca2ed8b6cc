"""GET /v1/uplift: per offer and churn band the uplift over no_action, its interval, support,
acceptance and verdict, with the guard's state; bad query values are 400s naming them."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from tests.databases import SQLITE_ONLY
from tests.uplift_world import CATALOG, simulate, store_world

pytestmark = SQLITE_ONLY


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    built = build_runtime(settings)
    for spec in CATALOG:
        built.catalog.add(spec)
    yield built
    built.close()


def test_the_uplift_of_every_offer_in_every_band_is_reported(client, headers, runtime):
    store_world(runtime.database, simulate(600, np.random.default_rng(6)))
    reply = client.get("/v1/uplift?min_ess=20", headers=headers("marketer"))
    assert reply.status_code == 200
    body = reply.json
    assert body["rows"] == 600 and body["estimator"] == "dr" and body["min_ess"] == 20
    cells = {(c["offer_id"], c["band"]): c for c in body["cells"]}
    assert set(cells) == {(o, b) for o in ("discount", "loyalty", "upsell")
                          for b in ("low", "medium", "high")}  # fmt: skip
    dog = cells[("upsell", "low")]
    assert dog["ci_low"] <= dog["uplift"] <= dog["ci_high"] and dog["ess"] >= 20
    assert dog["verdict"] in ("sleeping dog", "no clear effect") and dog["why"]
    guard = body["guard"]
    assert guard["enabled"] is False and "no uplift report is stored" in guard["words"]


def test_a_window_without_retention_answers_says_so(client, headers):
    reply = client.get("/v1/uplift?from=2026-01-01T00:00:00Z", headers=headers("analyst"))
    assert reply.status_code == 200
    assert reply.json["cells"] == [] and "retention answer" in reply.json["note"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("reward=acceptance", "reward"),
        ("min_ess=0", "min_ess"),
        ("min_ess=many", "min_ess"),
        ("from=yesterday", "from"),
        ("from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "to"),
    ],
)
def test_a_bad_query_value_is_a_400_naming_it(client, headers, query, field):
    reply = client.get(f"/v1/uplift?{query}", headers=headers("analyst"))
    assert reply.status_code == 400 and reply.json["error"]["details"]["field"] == field
