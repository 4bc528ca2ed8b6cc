"""Errors: one HTTP status per error class in api/errors.py's table, replies in one shape."""

from __future__ import annotations

import inspect

import pytest
from flask import Flask

import nba.errors
import policies
from api.errors import STATUS, register_error_handlers
from nba.errors import (
    Conflict,
    InvalidInput,
    InvalidSetting,
    NbaError,
    NoEligibleOffer,
    NotFound,
    Unavailable,
)
from policies import InvalidModel, InvalidParameter, PolicyError, UnknownPolicy


def _error_classes(module: object) -> list[type[Exception]]:
    return [
        value
        for name, value in inspect.getmembers(module, inspect.isclass)
        if issubclass(value, Exception) and value.__module__.startswith(module.__name__)
    ]


@pytest.mark.parametrize("module", [nba.errors, policies], ids=lambda m: m.__name__)
def test_every_error_class_of_nba_and_policies_has_its_own_status(module):
    assert [cls for cls in _error_classes(module) if cls not in STATUS] == []


ERRORS = [
    (InvalidInput("churn_score", "must be in [0, 1], got 1.5"), 400, "invalid_input"),
    (NotFound("offer", "gone"), 404, "not_found"),
    (Conflict("outcome already recorded as declined"), 409, "conflict"),
    (NoEligibleOffer("no offer is eligible"), 422, "no_eligible_offer"),
    (InvalidSetting("NBA_PROT", "unknown setting"), 500, "invalid_setting"),
    (NbaError("something nba refused"), 400, "error"),
    (Unavailable("read_only", "the database is read-only"), 503, "database_unavailable"),
    (InvalidParameter("epsilon", "must be in (0, 1], got 2"), 400, "invalid_parameter"),
    (UnknownPolicy("nope", ("vw", "rules")), 400, "unknown_policy"),
    (InvalidModel("corrupt VWPolicy header"), 422, "invalid_model"),
    (PolicyError("a policy refused"), 400, "policy_error"),
]


def _details(error: Exception) -> dict[str, object]:
    if isinstance(error, NbaError):
        return error.details
    return {"field": error.parameter} if isinstance(error, InvalidParameter | InvalidModel) else {}


def _app_raising(error: Exception) -> Flask:
    app = Flask(__name__)
    register_error_handlers(app)

    @app.get("/")
    def fail() -> str:
        raise error

    return app


@pytest.mark.parametrize("error, status, code", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_becomes_the_status_of_its_class(error, status, code):
    reply = _app_raising(error).test_client().get("/")
    assert reply.status_code == status
    assert reply.json["error"] == {"code": code, "message": str(error), "details": _details(error)}


def test_an_unavailable_database_says_when_to_retry():
    reply = _app_raising(Unavailable("disk_full", "full", retry_after_s=3)).test_client().get("/")
    assert reply.status_code == 503 and reply.headers["Retry-After"] == "3"


def test_an_error_of_a_subclass_takes_its_parent_s_status():
    class UnknownColumn(InvalidInput):
        pass

    reply = _app_raising(UnknownColumn("column", "no such column")).test_client().get("/")
    assert reply.status_code == 400 and reply.json["error"]["details"] == {"field": "column"}


def test_any_other_error_is_a_500_with_a_request_id_and_no_traceback(caplog):
    with caplog.at_level("ERROR", logger="api.errors"):
        reply = _app_raising(RuntimeError("secret internals")).test_client().get("/")
    assert reply.status_code == 500 and reply.json["error"]["code"] == "internal_error"
    assert "secret" not in reply.text
    assert reply.json["error"]["details"]["request_id"] in caplog.text
