"""schemathesis against the app in-process: every operation a role may call, counted per check.

`fuzz(app, key, role, max_examples=..., seed=...)` draws schema-valid requests for each operation
of /openapi.json that `role` may call, sends them through the WSGI app with `key`, and counts the
replies that fail a check: a 5xx, a status or body the document does not describe, or a
schema-valid request rejected (anything but 2xx, 401, 403, 404, 409, 422 — a 422 says no offer
was eligible, the business answer to a valid request). Used by tests/contract/test_fuzz_http.py
(bounded) and benchmarks/fuzz.py (long).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from schemathesis.checks import not_a_server_error  # isort: skip

from nba.clock import parse_time, utc_now
from nba.errors import InvalidInput
from nba.serving.expressions import InvalidExpression, compile_expression

ACCEPTED = ["2xx", "401", "403", "404", "409", "422"]
"""The statuses a schema-valid request may get: anything else (a 400 first) is a rejection."""
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
)


@dataclass
class Figures:
    """What one fuzz run did: cases sent, failures by check, one example per check and route."""

    cases: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, other: Figures) -> None:
        """Add another run's figures to these."""
        self.cases += other.cases
        self.failures.update(other.failures)
        for check, example in other.examples.items():
            self.examples.setdefault(check, example)
        self.seconds += other.seconds


def load_schema(app: Flask) -> Any:
    """The app's /openapi.json as a schemathesis schema that calls the app in-process."""
    config = SchemathesisConfig.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}}
    )
    return schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)


def operations_for(schema: Any, role: str) -> list[Any]:
    """The operations `role` may call (x-roles lists it)."""
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()
        roles = operation.definition.raw.get("x-roles")
        if roles is not None and role in roles:
            found.append(operation)
    return found


def fuzz(
    app: Flask, key: str, role: str, *, max_examples: int, seed: int, schema: Any = None
) -> Figures:
    """Fuzz every operation `role` may call with `max_examples` cases each (`schema`: the app's
    from `load_schema`, loaded here when not given)."""
    schema = schema if schema is not None else load_schema(app)
    figures = Figures()
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {key}"}
    for operation in operations_for(schema, role):
        _fuzz_operation(operation, headers, figures, max_examples, seed)
    figures.seconds = time.perf_counter() - started
    return figures


def fuzz_cases(app: Flask, key: str, role: str, *, cases: int, seed: int, schema: Any) -> Figures:
    """Fuzz every operation `role` may call, `cases` in all: each operation gets an even share
    of what is left. An operation with few distinct requests (no parameters, no body) runs out
    before its share, so those go first and the others take up what they left."""
    figures = Figures()
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {key}"}
    operations = sorted(operations_for(schema, role), key=_inputs)
    for left, operation in zip(range(len(operations), 0, -1), operations, strict=True):
        share = math.ceil(max(0, cases - figures.cases) / left)
        if share:
            _fuzz_operation(operation, headers, figures, share, seed)
    figures.seconds = time.perf_counter() - started
    return figures


def _inputs(operation: Any) -> int:
    """How many inputs an operation takes: its parameters, and one for a body."""
    raw = operation.definition.raw
    return len(raw.get("parameters", [])) + ("requestBody" in raw)


def _fuzz_operation(
    operation: Any, headers: dict[str, str], figures: Figures, max_examples: int, seed: int
) -> None:
    @hypothesis.settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @hypothesis.seed(seed)
    @given(case=operation.as_strategy().filter(_consistent))
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        figures.cases += 1
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except FailureGroup as error:  # a failed check: count it, keep one example
                name = check.__name__
                figures.failures[name] += 1
                where = f"{case.method} {case.operation.path} -> {response.status_code}"
                figures.examples.setdefault(f"{name} {where}", _reply_text(error, response))

    run()


def _consistent(case: Any) -> bool:
    """Whether a case keeps the rules between fields that JSON schema cannot state: a window
    (`from`/`to`, `starts_at`/`ends_at`) ends after it starts, churn_max >= churn_min, a new
    key's `expires_at` lies in the future, quiet hours end at another time than they start, an
    eligibility expression parses. A patch that sets one end of an offer's dates is checked
    against the other end as stored, which the case cannot see: it is left out."""
    body = case.body if isinstance(case.body, dict) else {}
    if not _in_order(body.get("starts_at"), body.get("ends_at")):
        return False
    dates = [body.get(name) for name in ("starts_at", "ends_at")]
    if str(case.method).upper() == "PATCH" and sum(d is not None for d in dates) == 1:
        return False
    if not _in_order(utc_now().isoformat(), body.get("expires_at")):
        return False
    query = case.query if isinstance(case.query, dict) else {}
    if not _in_order(query.get("from"), query.get("to")):
        return False
    quiet = body.get("quiet_hours")
    if isinstance(quiet, list) and any(
        isinstance(q, dict) and q.get("start") == q.get("end") for q in quiet
    ):
        return False
    rules = body.get("eligibility")
    if isinstance(rules, dict):
        return rules.get("churn_max", 1.0) >= rules.get("churn_min", 0.0) and _parses(
            rules.get("expression")
        )
    return True


def _parses(expression: object) -> bool:
    """Whether an eligibility expression is one the grammar takes (True when there is none)."""
    if not isinstance(expression, str):
        return True
    try:
        compile_expression(expression)
    except InvalidExpression:
        return False
    return True


def _in_order(start: object, end: object) -> bool:
    """Whether two times given as text are in order (True when either is missing)."""
    if not (isinstance(start, str) and isinstance(end, str)):
        return True
    try:
        return parse_time(end, "end") > parse_time(start, "start")
    except InvalidInput:
        return True  # a time the server cannot read: let it say so


def seed_log(app: Flask, key: str, decisions: int = 40) -> None:
    """Decisions with outcomes, so the log has enough for comparisons and statistics."""
    client, headers = app.test_client(), {"Authorization": f"Bearer {key}"}
    for i in range(decisions):
        body = {"customer_id": f"seed-{i}", "churn_score": 0.5, "context": {"tenure_months": i}}
        decision = client.post("/v1/decisions", json=body, headers=headers).get_json()
        outcome = {"accepted": i % 3 == 0}
        client.post(
            f"/v1/decisions/{decision['decision_id']}/outcome", json=outcome, headers=headers
        )


def _reply_text(error: BaseException, response: Any) -> str:
    """The reply and the first line of each failure: enough to reproduce by hand."""
    titles = [str(e).splitlines()[0] for e in getattr(error, "exceptions", (error,))]
    return f"{'; '.join(titles)}: {response.text[:400]}"
