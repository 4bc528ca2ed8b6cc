"""Console pages through Flask's test client: sign in with a key of a role, post forms with
their CSRF token. (Browser tests of the same pages are in tests/browser.)"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from nba.evaluation.summaries import DailySummaries
from nba.runtime import Runtime

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


CHART_SPEC = re.compile(r'<script type="application/json" class="chart-spec">(.*?)</script>', re.S)


def chart_specs(html: str) -> list[dict[str, object]]:
    """The charts a console page hands to the browser (see nba/charts.py `for_browser`)."""
    return [json.loads(found) for found in CHART_SPEC.findall(html)]


def chart_titles(html: str) -> list[str]:
    """The titles of a page's charts, in page order."""
    return [str(spec["title"]) for spec in chart_specs(html)]


def summarise_now(runtime: Runtime) -> None:
    """Take everything logged so far into the daily summaries (the scheduled job waits a few
    seconds for late commits first; a test need not)."""
    DailySummaries(runtime.database, settle_s=0).refresh()


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _TOKEN.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(client: FlaskClient, path: str, data: dict[str, str], *, form_page: str = "/ui/"):
    """POST `data` to `path` with a token taken from `form_page`."""
    token = csrf_token(client.get(form_page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def console_client(app: Flask, runtime: Runtime) -> Callable[[str], FlaskClient]:
    """A test client signed in to the console as a new key of the given role."""

    def signed_in(role: str) -> FlaskClient:
        _, secret = runtime.keys.create(role, f"{role} tester")
        client = app.test_client()
        page = client.get("/ui/sign-in").get_data(as_text=True)
        reply = client.post("/ui/sign-in", data={"csrf_token": csrf_token(page), "api_key": secret})
        assert reply.status_code == 302, reply.get_data(as_text=True)
        return client

    return signed_in
