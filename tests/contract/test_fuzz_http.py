"""schemathesis against the app with every role: no 5xx, no schema-valid request refused.

Bounded (a few cases per operation, a fixed seed) so it repeats and takes well under a minute;
`benchmarks/fuzz.py` runs the same with many more cases.
"""

from __future__ import annotations

import pytest

from nba.domain import ROLES
from tests.contract.fuzzing import fuzz, fuzz_cases, load_schema, seed_log

CASES_PER_OPERATION = 15
SEED = 20261201


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: the fuzz cases are the same on either database, the time is not."""
    return sqlite_url


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_fuzzed_requests_of_every_role_get_no_5xx_and_no_refusal(app, headers, role):
    seed_log(app, headers("crm")["Authorization"].removeprefix("Bearer "))
    key = headers(role)["Authorization"].removeprefix("Bearer ")
    figures = fuzz(app, key, role, max_examples=CASES_PER_OPERATION, seed=SEED)
    assert figures.cases > 0
    assert not figures.failures, "\n".join(f"{k}: {v}" for k, v in figures.examples.items())


@pytest.mark.slow
def test_a_role_gets_every_case_asked_for_though_some_operations_run_out(app, headers):
    """The admin's operations without inputs have one request each: the others send the rest."""
    seed_log(app, headers("crm")["Authorization"].removeprefix("Bearer "))
    key = headers("admin")["Authorization"].removeprefix("Bearer ")
    figures = fuzz_cases(app, key, "admin", cases=60, seed=SEED, schema=load_schema(app))
    assert figures.cases >= 60
    assert not figures.failures, "\n".join(f"{k}: {v}" for k, v in figures.examples.items())
