"""GET /v1/exports/decisions: the decision log in the logged-data schema, Parquet or CSV."""

from __future__ import annotations

import io

import pandas as pd

from nba.logschema import EXPORT_COLUMNS


def _decide(client, headers, n: int) -> list[str]:
    ids = []
    for i in range(n):
        body = {"customer_id": f"c{i}", "churn_score": 0.5, "context": {"plan": "gold"}}
        ids.append(
            client.post("/v1/decisions", json=body, headers=headers("crm")).json["decision_id"]
        )
    client.post(f"/v1/decisions/{ids[0]}/outcome", json={"accepted": True}, headers=headers("crm"))
    return ids


def test_parquet_export_has_the_schema_columns_and_rewards(client, headers):
    ids = _decide(client, headers, 4)
    reply = client.get("/v1/exports/decisions", headers=headers("analyst"))
    assert reply.status_code == 200
    frame = pd.read_parquet(io.BytesIO(reply.data))
    assert tuple(frame.columns) == EXPORT_COLUMNS
    assert list(frame["decision_id"]) == ids
    assert frame.loc[0, "reward"] == 1.0 and pd.isna(frame.loc[1, "reward"])
    assert abs(sum(frame.loc[0, "probabilities"]) - 1) < 1e-9


def test_csv_export_and_time_window(client, headers):
    _decide(client, headers, 2)
    reply = client.get("/v1/exports/decisions?format=csv", headers=headers("analyst"))
    assert reply.mimetype == "text/csv"
    assert len(pd.read_csv(io.BytesIO(reply.data))) == 2
    empty = client.get("/v1/exports/decisions?format=csv&to=2000-01-01T00:00:00Z",
                       headers=headers("analyst"))  # fmt: skip
    assert len(pd.read_csv(io.BytesIO(empty.data))) == 0


def test_bad_export_format_or_time_is_400(client, headers):
    bad = client.get("/v1/exports/decisions?format=xlsx", headers=headers("analyst"))
    assert bad.status_code == 400 and bad.json["error"]["details"]["field"] == "format"
    bad = client.get("/v1/exports/decisions?from=yesterday", headers=headers("analyst"))
    assert bad.status_code == 400 and bad.json["error"]["details"]["field"] == "from"


def test_csv_export_quotes_a_customer_id_a_spreadsheet_would_run(client, headers):
    body = {"customer_id": '=HYPERLINK("http://x")', "churn_score": 0.5}
    assert client.post("/v1/decisions", json=body, headers=headers("crm")).status_code == 200
    reply = client.get("/v1/exports/decisions?format=csv", headers=headers("analyst"))
    row = pd.read_csv(io.BytesIO(reply.data), dtype=str).iloc[0]
    assert row["customer_id"] == '\'=HYPERLINK("http://x")' and row["churn_score"] == "0.5"
