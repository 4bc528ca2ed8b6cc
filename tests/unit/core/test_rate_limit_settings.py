"""The rate-limit settings: the `limits` notation per role, a `limits` storage URI."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from nba.config import Settings


def test_a_role_limit_is_read_from_its_flat_name_and_empty_means_none():
    serving = Settings(rate_limit_crm="600/second; 20000/minute", rate_limit_admin="").serving
    assert serving.rate_limit("crm") == "600/second; 20000/minute"
    assert serving.rate_limit("admin") == ""


@pytest.mark.parametrize(
    "name, value",
    [("rate_limit_crm", "600 per fortnight"), ("rate_limit_analyst", "lots"),
     ("rate_limit_storage", "postgresql://db"), ("rate_limit_storage", "memory")],
)  # fmt: skip
def test_a_setting_the_limiter_cannot_read_is_an_error_naming_it(name, value):
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})


def test_the_environment_sets_the_shared_storage(monkeypatch):
    monkeypatch.setenv("NBA_RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379")
    assert Settings().serving.rate_limit_storage == "redis://127.0.0.1:6379"
