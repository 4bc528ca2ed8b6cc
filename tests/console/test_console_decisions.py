"""The decisions page: look-up by id and by customer, what was offered and left out, the
outcome, and the reasons behind the choice with the model version they come from."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from flask.testing import FlaskClient

from nba.domain import Decision, FeedbackKind, FeedbackReport
from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import decisions

Client = Callable[[str], FlaskClient]


def _decide(runtime: Runtime, customer: str = "c-7", churn: float = 0.1, tenure: int = 3,
            explain: bool = False) -> Decision:  # fmt: skip
    request = DecisionRequest(customer, churn, (("plan", "gold"), ("tenure_months", tenure)),
                              channel="call_centre", explain=explain)  # fmt: skip
    return runtime.decider.decide(request).decision


def _text(reply) -> str:
    """The page's text without tags, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", reply.get_data(as_text=True))
    return " ".join(html.unescape(without_tags).split())


def test_a_decision_id_leads_to_its_page_with_what_was_offered_and_left_out(
    console_client: Client, runtime: Runtime
) -> None:
    decision = _decide(runtime)
    client = console_client("marketer")
    reply = client.get(f"/ui/decisions?decision_id={decision.id}")
    assert reply.status_code == 302
    page = client.get(reply.headers["Location"])
    assert page.status_code == 200
    text = _text(page)
    assert decision.id in text and "customer c-7" in text and "call_centre" in text
    assert f"{decision.propensity * 100:.1f}% chance among 2 eligible offers" in text
    for offer_id, probability in zip(
        (e.offer_id for e in decision.eligible), decision.probabilities, strict=True
    ):
        assert offer_id in text and f"{probability:.3f}" in text
    assert "churn score 0.1 is outside the offer's range [0.3, 1]" in text
    assert "condition tenure_months ≥ 12 fails (it is 3)" in text
    assert "tenure_months 3" in text and "plan gold" in text  # the context table
    assert "No outcome has been reported yet" in text
    assert "bar chance" in page.get_data(as_text=True)  # the chances, drawn as bars


def test_the_outcome_and_the_retention_answer_are_shown(
    console_client: Client, runtime: Runtime
) -> None:
    decision = _decide(runtime)
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, True, 40.0))
    runtime.feedback.record(FeedbackReport(FeedbackKind.RETENTION, decision.id, False))
    text = _text(console_client("analyst").get(f"/ui/decisions/{decision.id}"))
    assert "The customer accepted it." in text
    assert "accepted reported at" in text and "value 40.0" in text
    assert "reward learned 1.000" in text
    assert "left" in text.split("Retention", 1)[1][:40]


def test_an_unknown_decision_id_says_so_next_to_the_field(console_client: Client) -> None:
    reply = console_client("analyst").get("/ui/decisions/not-a-decision")
    assert reply.status_code == 404
    body = reply.get_data(as_text=True)
    assert 'id="decision_id-error"' in body and 'aria-invalid="true"' in body
    assert "No decision has the id “not-a-decision”" in _text(reply)


def test_a_customers_decisions_are_listed_newest_first_a_page_at_a_time(
    console_client: Client, runtime: Runtime
) -> None:
    made = [_decide(runtime, customer="c-many") for _ in range(23)]
    _decide(runtime, customer="someone-else")
    client = console_client("marketer")
    first = client.get("/ui/decisions?customer_id=c-many").get_data(as_text=True)
    shown = re.findall(r"/ui/decisions/([0-9a-f-]{36})", first)
    newest = sorted(made, key=lambda d: (d.ts, d.id), reverse=True)
    assert shown == [d.id for d in newest[:20]]
    assert "23 decisions, newest first; showing 1\N{EN DASH}20" in _text_of(first)
    second = client.get("/ui/decisions?customer_id=c-many&page=2").get_data(as_text=True)
    assert re.findall(r"/ui/decisions/([0-9a-f-]{36})", second) == [d.id for d in newest[20:]]
    assert "page 2 of 2" in _text_of(second)


def test_a_customer_with_no_decisions_gets_a_message(console_client: Client) -> None:
    reply = console_client("analyst").get("/ui/decisions?customer_id=nobody")
    assert reply.status_code == 200
    assert "No decisions are logged for customer “nobody”" in _text(reply)


@pytest.mark.parametrize("page", ["0", "two", "-1"])
def test_a_bad_page_number_is_a_400_naming_it(console_client: Client, page: str) -> None:
    reply = console_client("analyst").get(f"/ui/decisions?customer_id=c&page={page}")
    assert reply.status_code == 400
    assert "page" in _text(reply)


@pytest.mark.parametrize("role, status", [("crm", 403), ("marketer", 200), ("analyst", 200),
                                          ("admin", 200)])  # fmt: skip
def test_marketers_and_analysts_may_open_the_page(
    console_client: Client, runtime: Runtime, role: str, status: int
) -> None:
    decision = _decide(runtime)
    client = console_client(role)
    assert client.get("/ui/decisions").status_code == status
    assert client.get(f"/ui/decisions/{decision.id}").status_code == status
    assert ('href="/ui/decisions"' in client.get("/ui/").get_data(as_text=True)) == (status == 200)


def test_signed_out_readers_are_sent_to_sign_in(app, runtime: Runtime) -> None:
    decision = _decide(runtime)
    reply = app.test_client().get(f"/ui/decisions/{decision.id}")
    assert reply.status_code == 302 and "/ui/sign-in" in reply.headers["Location"]


def test_before_any_learning_the_page_says_the_offers_score_alike(
    console_client: Client, runtime: Runtime
) -> None:
    decision = _decide(runtime, churn=0.7, tenure=30)
    text = _text(console_client("analyst").get(f"/ui/decisions/{decision.id}"))
    assert "the policy scores them alike" in text
    assert "no model version has been saved yet" in text


def _learn_tenure(runtime: Runtime, n: int, start: int = 0) -> None:
    """Long-tenure customers accept loyalty; nobody accepts anything else."""
    rng = np.random.default_rng(5 + start)
    for i in range(start, start + n):
        tenure = int(rng.integers(12, 61))
        decision = _decide(runtime, customer=f"t-{i}", churn=0.5, tenure=tenure)
        accepted = decision.chosen == "loyalty" and tenure >= 36
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, accepted))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # learning, not storage
def test_reasons_come_from_the_version_that_decided_or_say_where_they_come_from(
    console_client: Client, runtime: Runtime
) -> None:
    _learn_tenure(runtime, 150)
    assert runtime.save_model() == 1
    first = _decide(runtime, customer="long", churn=0.5, tenure=50)
    assert first.model_version == 1 and first.chosen == "loyalty"
    client = console_client("analyst")
    live = _text(client.get(f"/ui/decisions/{first.id}"))
    assert "From model version 1, the version that decided, as this process serves it" in live
    why = live.split("Why loyalty", 1)[1]
    assert why.split("Raised or lowered", 1)[1].split()[:3] == ["tenure_months", "50",
                                                               "customer's"]  # fmt: skip
    _learn_tenure(runtime, 20, start=150)
    assert runtime.save_model() == 2
    saved = _text(client.get(f"/ui/decisions/{first.id}"))
    assert "From model version 1, the version that decided, as it was saved (version 2" in saved
    assert "tenure_months" in saved.split("Why loyalty", 1)[1]
    gone = _stored_under(runtime, first, model_version=99)
    text = _text(client.get(f"/ui/decisions/{gone.id}"))
    assert "Model version 99, which decided, is no longer stored" in text
    assert "reasons of the current model version 2, which may not be why" in text


def test_a_decision_of_the_churn_band_rules_is_explained_by_them(
    console_client: Client, runtime: Runtime
) -> None:
    # As apprentice mode logs it: the rules decided, no model version.
    made = _stored_under(runtime, _decide(runtime, churn=0.9, tenure=30), None, policy="rules")
    text = _text(console_client("analyst").get(f"/ui/decisions/{made.id}"))
    assert "The churn-band rules decided; they do not learn" in text
    assert "churn_score 0.9 churn score" in text


def test_scores_logged_as_probabilities_are_said_to_be_so(
    console_client: Client, runtime: Runtime
) -> None:
    made = _decide(runtime, churn=0.7, tenure=30)
    old = _stored_under(runtime, made, made.model_version, scores=made.probabilities)
    text = _text(console_client("analyst").get(f"/ui/decisions/{old.id}"))
    assert "This decision's scores repeat its probabilities" in text
    assert "repeat its probabilities" not in _text(
        console_client("analyst").get(f"/ui/decisions/{made.id}")
    )


def _stored_under(
    runtime: Runtime, decision: Decision, model_version: int | None, **changes: object
) -> Decision:
    """A copy of `decision` logged under another model version (one since deleted, say)."""
    copy = replace(decision, id=decision.id[:-4] + "beef", model_version=model_version,
                   ts=decision.ts + timedelta(seconds=1), **changes)  # fmt: skip
    with runtime.database.session() as session:
        decisions.add_decision(session, copy)
    return copy


def _text_of(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_a_decision_from_signals_shows_its_health_score_band_and_families(
    console_client: Client, runtime: Runtime
) -> None:
    from nba.schemas import DecisionBody, decision_request, parse

    body = {"customer_id": "c-h", "signals": {"outages_30d": 2, "last_rating": 1}}
    request = decision_request(parse(DecisionBody, body), runtime.health_weights)
    decision = runtime.decider.decide(request).decision
    text = _text(console_client("analyst").get(f"/ui/decisions/{decision.id}"))
    assert "Health green 75 of 100, from the signals the CRM sent" in text
    assert "families that fired: network, satisfaction" in text
    assert "a stand-in from the health score" in text
    plain = _text(console_client("analyst").get(f"/ui/decisions/{_decide(runtime).id}"))
    assert "Health" not in plain.split("Why")[0]
