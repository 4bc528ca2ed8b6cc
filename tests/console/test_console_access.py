"""The console's session: CSRF on every form, roles, revocation, no open redirect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from nba.clock import utc_now
from nba.runtime import Runtime
from nba.storage import keys
from tests.console.conftest import csrf_token, post_form
from tests.databases import SQLITE_ONLY

pytestmark = SQLITE_ONLY


def test_root_redirects_to_the_console_and_the_console_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/ui/"
    reply = client.get("/ui/")
    assert reply.status_code == 302
    assert reply.headers["Location"].startswith("/ui/sign-in?next=/ui/")


def test_sign_in_without_a_csrf_token_is_refused(app: Flask, runtime: Runtime) -> None:
    _, secret = runtime.keys.create("marketer")
    reply = app.test_client().post("/ui/sign-in", data={"api_key": secret})
    assert reply.status_code == 400
    assert "Reload the page" in reply.get_data(as_text=True)


def test_a_wrong_key_is_refused_and_counted(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/ui/sign-in").get_data(as_text=True))
    reply = client.post("/ui/sign-in", data={"csrf_token": token, "api_key": "nba_wrong"})
    assert reply.status_code == 401
    assert "not valid" in reply.get_data(as_text=True)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'nba_auth_failures_total{reason="invalid"} 1.0' in metrics


def test_an_expired_key_cannot_sign_in(app: Flask, runtime: Runtime) -> None:
    with runtime.database.session() as session:
        past = utc_now() - timedelta(seconds=1)
        _, secret = keys.add_api_key(session, "analyst", expires_at=past)
    client = app.test_client()
    token = csrf_token(client.get("/ui/sign-in").get_data(as_text=True))
    reply = client.post("/ui/sign-in", data={"csrf_token": token, "api_key": secret})
    assert reply.status_code == 401
    assert "expired" in reply.get_data(as_text=True)


def test_sign_in_never_redirects_off_the_console(app: Flask, runtime: Runtime) -> None:
    _, secret = runtime.keys.create("marketer")
    client = app.test_client()
    for target in ("https://evil.example/", "//evil.example/ui", "/v1/offers"):
        page = client.get("/ui/sign-in").get_data(as_text=True)
        reply = client.post(
            "/ui/sign-in",
            data={"csrf_token": csrf_token(page), "api_key": secret, "next": target},
        )
        assert reply.headers["Location"] == "/ui/"
        post_form(client, "/ui/sign-out", {})


def test_a_revoked_key_ends_its_session(
    console_client: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    client = console_client("marketer")
    assert client.get("/ui/").status_code == 200
    key = next(k for k in runtime.keys.list() if k.role == "marketer")
    runtime.keys.revoke(key.id)
    assert client.get("/ui/").status_code == 302


def test_sign_out_needs_its_token_and_ends_the_session(
    console_client: Callable[[str], FlaskClient],
) -> None:
    client = console_client("analyst")
    assert client.post("/ui/sign-out").status_code == 400
    assert client.get("/ui/").status_code == 200
    assert post_form(client, "/ui/sign-out", {}).status_code == 302
    assert client.get("/ui/").status_code == 302


def test_home_lists_only_the_pages_of_the_role(
    console_client: Callable[[str], FlaskClient],
) -> None:
    html = console_client("crm").get("/ui/").get_data(as_text=True)
    assert "API reference" in html
    assert "Sign out" in html
