"""The Evaluations page: roles, the form (the API's schema, errors by their fields), a job that
runs from the form, its self-refreshing status page and its report with the verdict."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from nba.domain import Evaluation
from nba.ope.run import EvaluationResult
from nba.ope.verdict import verdict
from nba.runtime import Runtime
from nba.storage import jobs
from tests.console.conftest import csrf_token
from tests.console.traffic import decide_and_answer
from tests.waiting import wait_until

Clients = Callable[[str], FlaskClient]


def _submit(client: FlaskClient, fields: dict[str, str | list[str]]):
    token = csrf_token(client.get("/ui/evaluations").get_data(as_text=True))
    return client.post("/ui/evaluations", data={"csrf_token": token, **fields})


def _finished(runtime: Runtime, evaluation_id: str) -> Evaluation:
    def done() -> Evaluation | None:
        job = runtime.evaluations.get(evaluation_id)
        return job if job.status in ("done", "failed") else None

    return wait_until(done, 120, f"evaluation {evaluation_id} to finish")


@pytest.mark.parametrize("role", ["marketer", "crm"])
def test_roles_the_api_refuses_cannot_open_or_post_evaluations(
    console_client: Clients, role: str
) -> None:
    client = console_client(role)
    assert "/ui/evaluations" not in client.get("/ui/").get_data(as_text=True)
    assert client.get("/ui/evaluations").status_code == 403
    token = csrf_token(client.get("/ui/").get_data(as_text=True))
    reply = client.post("/ui/evaluations", data={"csrf_token": token, "candidates": "random"})
    assert reply.status_code == 403


def test_the_blank_form_proposes_random_rules_and_the_default_estimators(
    console_client: Clients,
) -> None:
    page = console_client("analyst").get("/ui/evaluations").get_data(as_text=True)
    assert 'value="random" checked' in page and 'value="rules" checked' in page
    assert 'value="dr" checked' in page and 'value="cips">' in page
    assert "None yet." in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"estimators": "dr"}, "candidates", "Choose at least one candidate."),
        ({"candidates": "random"}, "estimators", "Choose at least one estimator."),
        ({"candidates": "random", "estimators": "magic"}, "estimators", "unknown 'magic'"),
        ({"candidates": "random", "estimators": "dr", "other_candidates": "table:/etc/passwd"},
         "other_candidates", "expected random, rules"),
        ({"candidates": "random", "estimators": "dr", "from": "soon"}, "from", "ISO-8601"),
    ],
)  # fmt: skip
def test_a_bad_form_is_shown_again_with_the_error_next_to_its_field(
    console_client: Clients, runtime: Runtime, fields: dict[str, str], field: str, message: str
) -> None:
    reply = _submit(console_client("analyst"), fields)
    page = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert f'<p class="error" id="{field}-error">' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in html.unescape(error)
    assert f'aria-describedby="{field}-error"' in page
    assert runtime.evaluations.recent() == []


def test_an_evaluation_started_from_the_form_runs_and_its_report_opens_with_the_verdict(
    console_client: Clients, runtime: Runtime
) -> None:
    decide_and_answer(runtime, 150)
    client = console_client("analyst")
    reply = _submit(client, {"candidates": ["random", "rules"], "estimators": ["snips", "dr"]})
    assert reply.status_code == 302
    evaluation_id = reply.headers["Location"].rsplit("/", 1)[1]
    job = _finished(runtime, evaluation_id)
    assert job.status == "done", job.error
    assert dict(job.spec)["policies"] == ["random", "rules"]
    page = client.get(f"/ui/evaluations/{evaluation_id}").get_data(as_text=True)
    expected = verdict(EvaluationResult.from_dict(dict(job.results)))
    assert html.escape(expected.headline, quote=True) in page
    assert page.index('id="verdict"') < page.index("<svg")
    assert 'http-equiv="refresh"' not in page
    listed = client.get("/ui/evaluations").get_data(as_text=True)
    assert f"/ui/evaluations/{evaluation_id}" in listed
    alone = client.get(f"/ui/evaluations/{evaluation_id}/report.html")
    assert alone.status_code == 200 and alone.mimetype == "text/html"
    assert "<h1>Off-policy evaluation</h1>" in alone.get_data(as_text=True)


def test_a_waiting_job_page_refreshes_itself(console_client: Clients, runtime: Runtime) -> None:
    with runtime.database.session() as session:
        jobs.add_job(session, jobs.EVALUATIONS, "waiting", {"policies": ["random"]})
    page = console_client("analyst").get("/ui/evaluations/waiting").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "waiting to start" in page


def test_a_failed_job_says_why(console_client: Clients, runtime: Runtime) -> None:
    client = console_client("analyst")
    reply = _submit(client, {"candidates": "random", "estimators": "ips"})
    evaluation_id = reply.headers["Location"].rsplit("/", 1)[1]
    assert _finished(runtime, evaluation_id).status == "failed"
    page = client.get(f"/ui/evaluations/{evaluation_id}").get_data(as_text=True)
    assert 'id="job-error"' in page and "no decision with an outcome" in page


def test_an_unknown_evaluation_is_a_404_page(console_client: Clients) -> None:
    assert console_client("analyst").get("/ui/evaluations/nope").status_code == 404
