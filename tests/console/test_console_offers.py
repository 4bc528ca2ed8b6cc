"""The Offers pages through Flask's test client: catalog, form, versions, pause, retire."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from nba.domain import Caps, Condition, Eligibility, FeedbackKind, FeedbackReport
from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest
from tests.console.conftest import csrf_token, summarise_now

Client = Callable[[str], FlaskClient]

EVERY_FIELD = {
    "id": "winter_gift",
    "name": "Winter gift box",
    "description": "A box of small gifts, sent by post.",
    "category": "loyalty",
    "cost": "12.5",
    "value": "80",
    "status": "paused",
    "feature-0-name": "channel", "feature-0-kind": "text", "feature-0-value": "post",
    "feature-1-name": "discount_pct", "feature-1-kind": "number", "feature-1-value": "15",
    "feature-2-name": "premium", "feature-2-kind": "yes-no", "feature-2-value": "yes",
    "churn_min": "0.2",
    "churn_max": "0.9",
    "segments": "consumer, family",
    "plans": "gold",
    "channels": "sms, call",
    "condition-0-field": "tenure_months", "condition-0-op": "ge",
    "condition-0-kind": "number", "condition-0-value": "24",
    "condition-1-field": "region", "condition-1-op": "in",
    "condition-1-kind": "text", "condition-1-value": "north, east",
    "condition-2-field": "vip", "condition-2-op": "eq",
    "condition-2-kind": "yes-no", "condition-2-value": "no",
    "max_per_customer": "2",
    "window_days": "14",
    "budget_accepts": "100",
    "budget_money": "999.5",
    "starts_at": "2026-12-01T10:00:00",
    "ends_at": "2027-01-31T23:59:59",
}  # fmt: skip


class _Inputs(HTMLParser):
    """The values a browser would send for the page's last form (submit buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.values = {}
        elif tag == "input" and a.get("name") and a.get("type") != "submit":
            self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None:
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = a["value"]
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.values


def errors_on(html: str) -> dict[str, str]:
    """Each error shown on a page, by the input it stands next to."""
    return dict(re.findall(r'<p class="error" id="([^"]+)-error">([^<]+)</p>', html))


def submit(
    client: FlaskClient, path: str, data: dict[str, str], form_page: str | None = None
) -> TestResponse:
    """POST `data` to `path` with the CSRF token of `form_page` (the form's own page)."""
    token = csrf_token(client.get(form_page or path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def text(reply: TestResponse) -> str:
    return reply.get_data(as_text=True)


def test_the_catalog_shows_every_offer_with_its_status_and_figures(
    console_client: Client, runtime: Runtime
) -> None:
    for i in range(6):
        decision = runtime.decider.decide(
            DecisionRequest(f"c{i}", 0.5, (("tenure_months", 3),), offer_ids=("discount_10",))
        ).decision
        if decision.chosen == "discount_10" and i < 4:
            runtime.feedback.record(
                FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, i % 2 == 0)
            )
    summarise_now(runtime)
    shown = runtime.figures.offer("discount_10").all_time.rate
    html = text(console_client("marketer").get("/ui/offers"))
    body = html[html.index('id="figures-discount_10"') :]
    body = body[: body.index("</tbody>")]
    cells = re.findall(r'<td class="num">([^<]*)<', body)
    assert cells[:3] == [str(shown.shows), str(shown.answered), str(shown.accepts)]
    assert shown.shows > 0
    for offer_id in ("discount_10", "device_upgrade", "loyalty", "no_action"):
        assert f'id="figures-{offer_id}"' in html
    assert '<span class="badge active">active</span>' in html
    for words in ("How to read these figures", "95% interval", "Wilson", "reward window"):
        assert words in html
    assert "last 7 days" in html and "last 30 days" in html


def test_the_catalog_filters_by_status_and_names_a_wrong_one(
    console_client: Client, runtime: Runtime
) -> None:
    runtime.catalog.set_status("loyalty", "paused")
    client = console_client("analyst")
    paused = text(client.get("/ui/offers?status=paused"))
    assert 'id="figures-loyalty"' in paused and 'id="figures-discount_10"' not in paused
    wrong = client.get("/ui/offers?status=sleeping")
    assert wrong.status_code == 400 and "status" in text(wrong)


def test_the_catalog_shows_spend_against_budget(console_client: Client, runtime: Runtime) -> None:
    runtime.catalog.edit("device_upgrade", {"caps": {"budget_money": 100.0}})
    for i in range(3):
        decision = runtime.decider.decide(
            DecisionRequest(f"b{i}", 0.2, offer_ids=("device_upgrade",))
        ).decision
        if decision.chosen == "device_upgrade":
            runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, True))
    summarise_now(runtime)
    spent = runtime.figures.offer("device_upgrade").budget
    assert spent is not None and spent.spent > 0
    html = text(console_client("marketer").get("/ui/offers"))
    assert f"{spent.spent:,.2f} of 100.00 spent" in html


def test_analysts_see_the_pages_without_any_button_to_change_an_offer(
    console_client: Client,
) -> None:
    client = console_client("analyst")
    catalog = text(client.get("/ui/offers"))
    assert "New offer" not in catalog
    page = text(client.get("/ui/offers/discount_10"))
    assert "10% bill discount" in page and "Version history" in page
    for button in ("Edit", "Pause", "Resume", "Retire"):
        assert f">{button}" not in page


def test_an_analyst_who_posts_a_change_gets_403_and_nothing_changes(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("analyst")
    for path, data in (
        ("/ui/new-offer", EVERY_FIELD),
        ("/ui/offers/discount_10/edit", {"name": "Renamed"}),
        ("/ui/offers/discount_10/status", {"status": "paused"}),
        ("/ui/offers/discount_10/retire", {}),
    ):
        assert submit(client, path, data, form_page="/ui/offers").status_code == 403, path
        assert client.get(path).status_code in (403, 405), path
    assert runtime.catalog.get("discount_10").version == 1
    assert "winter_gift" not in [o.id for o in runtime.catalog.list()]


def test_crm_keys_cannot_open_the_offers_pages(console_client: Client) -> None:
    client = console_client("crm")
    assert client.get("/ui/offers").status_code == 403
    assert "Offers" not in text(client.get("/ui/"))


def test_a_change_without_its_csrf_token_is_refused(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    reply = client.post("/ui/offers/discount_10/status", data={"status": "paused"})
    assert reply.status_code == 400 and "Reload the page" in text(reply)
    assert runtime.catalog.get("discount_10").status == "active"


def test_every_field_of_a_new_offer_round_trips_through_the_form(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    reply = submit(client, "/ui/new-offer", EVERY_FIELD)
    assert reply.status_code == 302, errors_on(text(reply))
    assert reply.headers["Location"] == "/ui/offers/winter_gift"
    page = text(client.get(reply.headers["Location"]))
    assert "Offer winter_gift created (version 1)." in page
    offer = runtime.catalog.get("winter_gift")
    assert (offer.name, offer.description, offer.category) == (
        "Winter gift box", "A box of small gifts, sent by post.", "loyalty"
    )  # fmt: skip
    assert (offer.cost, offer.value, offer.status) == (12.5, 80, "paused")
    assert dict(offer.features) == {"discount_pct": 15, "channel": "post", "premium": True}
    assert offer.eligibility == Eligibility(
        churn_min=0.2,
        churn_max=0.9,
        segments=("consumer", "family"),
        plans=("gold",),
        channels=("sms", "call"),
        conditions=(
            Condition("tenure_months", "ge", 24),
            Condition("region", "in", ("north", "east")),
            Condition("vip", "eq", False),
        ),
    )
    assert offer.caps == Caps(2, 14, 100, 999.5)
    assert offer.starts_at == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert offer.ends_at == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    # The edit form shows every field as it is: sent back unchanged, it changes nothing.
    edit = form_values(text(client.get("/ui/offers/winter_gift/edit")))
    expected = {k: v for k, v in EVERY_FIELD.items() if k not in ("id", "status")}
    assert {k: edit.get(k) for k in expected} == expected
    again = client.post("/ui/offers/winter_gift/edit", data=edit)
    assert again.status_code == 302
    assert "Nothing changed" in text(client.get(again.headers["Location"]))
    assert runtime.catalog.get("winter_gift").version == 1


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For what the form alone decides: the database plays no part."""

PROBLEMS = [
    # (the inputs changed, the input whose error is expected, the start of its message)
    ({"id": "Winter Gift"}, "id", "Offer id: must be a slug"),
    ({"name": " "}, "name", "Name: is required"),
    ({"cost": "-3"}, "cost", "Cost per accept: Input should be greater than or equal to 0"),
    ({"value": "lots"}, "value", "Value when accepted: Input should be a valid number"),
    (
        {"churn_min": "0.5", "churn_max": "0.1"},
        "churn_max",
        "Highest churn score: must not be below the lowest churn score",
    ),
    ({"window_days": "0"}, "window_days", "Contact window in days: Input should be greater"),
    ({"budget_accepts": "2.5"}, "budget_accepts", "Budget in accepts: Input should be a valid"),
    ({"budget_money": "-1"}, "budget_money", "Budget in money: Input should be greater"),
    ({"max_per_customer": "x"}, "max_per_customer", "Contacts per customer: Input should be"),
    ({"starts_at": "soon"}, "starts_at", "Starts at (UTC): must be an ISO-8601 time"),
    ({"feature-1-value": "fifteen"}, "feature-1-value", "Feature discount_pct: 'fifteen' is not"),
    ({"feature-0-name": "premium"}, "feature-2-name", "Feature name: 'premium' is there twice"),
    ({"condition-0-value": "lots"}, "condition-0-value", "Condition 1 value: 'lots' is not"),
    ({"condition-1-field": ""}, "condition-1-field", "Condition 2 field: is required"),
    ({"condition-2-value": "maybe"}, "condition-2-value", "Condition 3 value: write yes or no"),
]


@SQLITE_ONLY
def test_every_problem_is_shown_next_to_its_field_in_words(
    console_client: Client, runtime: Runtime
) -> None:
    bad = {k: v for changes, _, _ in PROBLEMS for k, v in changes.items()}
    reply = submit(console_client("marketer"), "/ui/new-offer", {**EVERY_FIELD, **bad})
    assert reply.status_code == 400
    html = text(reply).replace("&#39;", "'")
    errors = errors_on(html)
    for _, input_name, words in PROBLEMS:
        assert errors.get(input_name, "").startswith(words), (input_name, errors.get(input_name))
        assert f'id="{input_name}"' in html
        assert f'aria-describedby="{input_name}-error"' in html
    assert f"{len(PROBLEMS)} problems: nothing was saved" in html
    assert "winter_gift" not in [o.id for o in runtime.catalog.list()]


@SQLITE_ONLY
def test_a_problem_the_catalog_finds_is_shown_next_to_its_field(console_client: Client) -> None:
    too_early = {**EVERY_FIELD, "ends_at": "2026-11-01T00:00:00"}
    reply = submit(console_client("marketer"), "/ui/new-offer", too_early)
    assert reply.status_code == 400
    assert errors_on(text(reply))["ends_at"] == "Ends at (UTC): must be after the start"


@SQLITE_ONLY
def test_a_refused_form_keeps_what_was_typed(console_client: Client) -> None:
    html = text(submit(console_client("marketer"), "/ui/new-offer", {**EVERY_FIELD, "cost": "-1"}))
    kept = form_values(html)
    assert {k: kept.get(k) for k in EVERY_FIELD} == {**EVERY_FIELD, "cost": "-1"}


@SQLITE_ONLY
def test_an_id_in_use_is_refused_next_to_the_id(console_client: Client) -> None:
    reply = submit(console_client("marketer"), "/ui/new-offer", {**EVERY_FIELD, "id": "loyalty"})
    assert reply.status_code == 409
    assert "already exists" in errors_on(text(reply))["id"]


@SQLITE_ONLY
def test_adding_a_row_re_renders_the_form_with_one_more_and_saves_nothing(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    first = form_values(text(client.get("/ui/new-offer")))
    rows = len([k for k in first if k.endswith("-name") and k.startswith("feature-")])
    reply = client.post("/ui/new-offer", data={**first, **EVERY_FIELD, "add_row": "feature"})
    assert reply.status_code == 200
    values = form_values(text(reply))
    assert values["feature-2-value"] == "yes"
    assert "feature-4-name" in values and "feature-5-name" not in values  # 3 filled, 2 blank
    assert rows == 1
    assert "winter_gift" not in [o.id for o in runtime.catalog.list()]


def test_an_edit_makes_a_new_version_and_the_history_shows_what_changed(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    values = form_values(text(client.get("/ui/offers/discount_10/edit")))
    assert values["feature-0-name"] == "channel" and values["churn_min"] == "0.3"
    changed = {**values, "cost": "7.5", "feature-1-value": "15", "churn_min": "0.4"}
    reply = client.post("/ui/offers/discount_10/edit", data=changed)
    assert reply.status_code == 302 and reply.headers["Location"] == "/ui/offers/discount_10"
    page = text(client.get("/ui/offers/discount_10"))
    assert "now at version 2" in page
    version = page[page.index('id="version-2"') : page.index('id="version-1"')]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="old">([^<]*)</td><td class="new">([^<]*)</td>',
        version,
    )
    assert rows == [
        ("Cost per accept", "5", "7.5"),
        ("Feature discount_pct", "10", "15"),
        ("Lowest churn score", "0.3", "0.4"),
    ]
    assert "edit" in version and "marketer tester (marketer)" in version
    assert runtime.catalog.get("discount_10").cost == 7.5


def test_pause_and_resume_change_the_status_with_a_message(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    paused = submit(client, "/ui/offers/loyalty/status", {"status": "paused"}, "/ui/offers/loyalty")
    assert paused.status_code == 302
    page = text(client.get("/ui/offers/loyalty"))
    assert "paused: decisions no longer offer it" in page and ">Resume<" in page
    assert runtime.catalog.get("loyalty").status == "paused"
    submit(client, "/ui/offers/loyalty/status", {"status": "active"}, "/ui/offers/loyalty")
    assert runtime.catalog.get("loyalty").status == "active"
    history = text(client.get("/ui/offers/loyalty"))
    assert "· resume ·" in history and "· pause ·" in history
    wrong = submit(client, "/ui/offers/loyalty/status", {"status": "retired"}, "/ui/offers/loyalty")
    assert wrong.status_code == 400


def test_retiring_asks_for_confirmation_and_is_final(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("marketer")
    confirm = text(client.get("/ui/offers/loyalty/retire"))
    assert "Retired is final" in confirm and runtime.catalog.get("loyalty").status == "active"
    reply = submit(client, "/ui/offers/loyalty/retire", {})
    assert reply.status_code == 302 and runtime.catalog.get("loyalty").status == "retired"
    page = text(client.get("/ui/offers/loyalty"))
    assert "Retired for good." in page
    for button in (">Edit<", ">Resume<", ">Pause<", "Retire…"):
        assert button not in page
    assert client.get("/ui/offers/loyalty/edit").status_code == 409
    assert client.get("/ui/offers/loyalty/retire").status_code == 409
    resumed = submit(client, "/ui/offers/loyalty/status", {"status": "active"}, "/ui/offers")
    assert resumed.status_code == 409
    edited = submit(client, "/ui/offers/discount_10/edit", {}, "/ui/offers")
    assert edited.status_code != 409  # only the retired one is locked
    assert runtime.catalog.get("loyalty").status == "retired"


def test_no_action_is_shown_as_protected_and_cannot_be_changed(
    console_client: Client, runtime: Runtime
) -> None:
    client = console_client("admin")
    page = text(client.get("/ui/offers/no_action"))
    assert "Protected." in page and "no_action_enabled" in page
    assert ">Edit<" not in page and "Retire…" not in page
    assert client.get("/ui/offers/no_action/edit").status_code == 409
    for path, data in (
        ("/ui/offers/no_action/retire", {}),
        ("/ui/offers/no_action/status", {"status": "paused"}),
        ("/ui/offers/no_action/edit", {"name": "Something"}),
    ):
        assert submit(client, path, data, "/ui/offers").status_code == 409
    assert runtime.catalog.get("no_action").version == 1


def test_an_unknown_offer_is_a_404_page(console_client: Client) -> None:
    reply = console_client("marketer").get("/ui/offers/nothing_here")
    assert reply.status_code == 404 and "not found" in text(reply)


def test_the_dashboard_link_appears_only_when_the_dashboard_page_exists(
    console_client: Client, app: Flask
) -> None:
    client = console_client("marketer")
    endpoint = "console.offer_dashboard"
    if endpoint not in app.view_functions:
        assert "/dashboard" not in text(client.get("/ui/offers/discount_10"))
        app.view_functions[endpoint] = lambda offer_id: offer_id
        app.url_map.add(app.url_rule_class("/ui/offers/<offer_id>/dashboard", endpoint=endpoint))
    assert 'href="/ui/offers/discount_10/dashboard"' in text(client.get("/ui/offers/discount_10"))
    assert 'href="/ui/offers/loyalty/dashboard"' in text(client.get("/ui/offers"))
