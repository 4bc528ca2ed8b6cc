"""The Models page: who may see it, the figures in words, confirmed activation, pin, train now."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from nba.runtime import Runtime
from tests.console.conftest import chart_titles, csrf_token, post_form
from tests.console.traffic import decide_and_answer

Clients = Callable[[str], FlaskClient]


def _page(client: FlaskClient) -> str:
    reply = client.get("/ui/models")
    assert reply.status_code == 200
    return reply.get_data(as_text=True)


@pytest.mark.parametrize("role", ["marketer", "crm"])
def test_the_models_page_is_neither_linked_nor_reachable_for_other_roles(
    console_client: Clients, role: str
) -> None:
    client = console_client(role)
    assert "/ui/models" not in client.get("/ui/").get_data(as_text=True)
    reply = client.get("/ui/models")
    assert reply.status_code == 403
    assert "may not open this page" in reply.get_data(as_text=True)
    assert client.get("/ui/models/1/activate").status_code == 403


def test_an_analyst_reads_the_versions_but_is_offered_no_action(
    console_client: Clients, runtime: Runtime
) -> None:
    decide_and_answer(runtime, 60)
    runtime.models.train_outstanding()
    client = console_client("analyst")
    assert 'href="/ui/models"' in client.get("/ui/").get_data(as_text=True)
    html = _page(client)
    assert "Trained from scratch on 60 outcomes." in html
    assert "On the 60 latest decisions with outcomes its estimated acceptance rate" in html
    assert "against" in html and "for the logging policy" in html
    assert chart_titles(html) == ["Off-policy estimate of each version, with 95% intervals"]
    assert "Train now" not in html and "Activate" not in html and "Pin</button>" not in html
    token = csrf_token(html)  # the sign-out form's: a valid token, still refused by role
    for path in ("/ui/models/train", "/ui/models/1/pin", "/ui/models/1/activate"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403


def test_train_now_with_nothing_to_learn_says_so_and_saves_nothing(
    console_client: Clients, runtime: Runtime
) -> None:
    client = console_client("admin")
    reply = post_form(client, "/ui/models/train", {}, form_page="/ui/models")
    assert reply.status_code == 302
    assert "Nothing to learn" in _page(client)
    assert runtime.models.list() == []


def test_train_now_saves_a_version_and_says_what_it_learned(
    console_client: Clients, runtime: Runtime
) -> None:
    decide_and_answer(runtime, 40)
    client = console_client("admin")
    post_form(client, "/ui/models/train", {}, form_page="/ui/models")
    html = _page(client)
    assert "Saved version 1: it learned 40 outcomes" in html and "It is active now." in html
    assert '<span class="badge active">active</span>' in html
    (saved,) = runtime.models.list()
    assert saved.is_active and "ope_snips" in dict(saved.metrics)
    entry = runtime.audit.list(entity="model")[0]
    assert entry.action == "train" and entry.actor.role == "admin"


def test_activating_an_older_version_asks_first_then_rolls_back(
    console_client: Clients, runtime: Runtime
) -> None:
    decide_and_answer(runtime, 10)
    runtime.models.train_outstanding()
    decide_and_answer(runtime, 10)
    runtime.models.train_outstanding()
    client = console_client("admin")
    assert 'href="/ui/models/1/activate">Roll back to v1' in _page(client)
    confirm = client.get("/ui/models/1/activate")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Roll back to version 1?" in html
    assert "version 2, saved" in html  # what is active now
    assert [m.version for m in runtime.models.list() if m.is_active] == [2]
    assert client.post("/ui/models/1/activate").status_code == 400  # no CSRF token
    reply = client.post("/ui/models/1/activate", data={"csrf_token": csrf_token(html)})
    assert reply.status_code == 302
    assert [m.version for m in runtime.models.list() if m.is_active] == [1]
    assert "Version 1 is active" in _page(client)


def test_pin_and_unpin_from_the_page(console_client: Clients, runtime: Runtime) -> None:
    decide_and_answer(runtime, 10)
    runtime.models.train_outstanding()
    client = console_client("admin")
    post_form(client, "/ui/models/1/pin", {}, form_page="/ui/models")
    html = _page(client)
    assert '<span class="badge paused">pinned</span>' in html and "Unpin</button>" in html
    assert runtime.models.get(1).is_pinned
    post_form(client, "/ui/models/1/unpin", {}, form_page="/ui/models")
    assert not runtime.models.get(1).is_pinned


def test_confirming_an_unknown_version_is_a_404_page(console_client: Clients) -> None:
    reply = console_client("admin").get("/ui/models/9/activate")
    assert reply.status_code == 404
    assert "model version" in reply.get_data(as_text=True)


def test_the_models_page_lists_auto_optimize_comparisons_with_intervals_in_words(
    console_client: Clients, runtime: Runtime
) -> None:
    decide_and_answer(runtime, 60)
    runtime.models.train_outstanding()
    found = runtime.optimizer.run()
    html = _page(console_client("analyst"))
    assert "Auto-optimize: challengers against the active version" in html
    assert "nothing changed" in html and f"On {found.rows} held-out decisions" in html
    for name in ("vw-bag", "lints", "linucb"):
        assert f"<td>{name}<br>" in html
    assert html.count("95% interval") >= 2 * len(found.results)
