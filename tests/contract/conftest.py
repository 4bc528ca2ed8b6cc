"""Every reply of the contract tests is held against /openapi.json.

The `client` of these tests checks each reply as it comes: its route and status must be
documented, its media type must be one the document gives for that status, and a JSON body
must validate against the documented schema. A request that matches no route (404, 405 from
routing) has no operation to check against and is left to the test that sent it.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from tests.contract.openapi_check import reply_problems


class CheckedClient(FlaskClient):
    """A test client that fails the test on any reply that /openapi.json does not describe."""

    document: dict[str, Any]

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        reply = super().open(*args, **kwargs)
        adapter = self.application.url_map.bind_to_environ(reply.request.environ)
        try:
            rule, _ = adapter.match(return_rule=True)
        except HTTPException:
            return reply
        problems = reply_problems(self.document, reply.request.method, rule.rule, reply)
        assert not problems, "\n".join(problems)
        return reply


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The app's test client, checking every reply against the app's /openapi.json."""
    document = app.test_client().get("/openapi.json").get_json()
    app.test_client_class = CheckedClient
    client = app.test_client()
    client.document = document
    return client
