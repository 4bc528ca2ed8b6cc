"""The overview and the daily summaries behind it: counts equal to a direct count of the log
(after new decisions and outcomes too), rates with Wilson intervals, the learned policy
against the rules and random, the active model, and who may see it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import numpy as np
import pytest
from flask.testing import FlaskClient

from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.evaluation.summaries import DailySummaries
from nba.runtime import Runtime
from nba.serving.inputs import DecisionRequest
from nba.storage import acquire_lock, count_decisions
from tests.console.conftest import chart_titles
from tests.console.insight_log import (
    Row,
    SetClock,
    direct_counts,
    insight_runtime,
    log_rows,
    rate_text,
    summarised_counts,
)

KNOWN = [
    Row("discount_10", 0, 0.7, "app", 0.5, {"plan": "gold", "tenure_months": 24}, True),
    Row("discount_10", 0, 0.8, "call", 0.4, {"plan": "gold", "tenure_months": 30}, False),
    Row("discount_10", 0, 0.2, None, 0.6, {"plan": "basic", "tenure_months": 3}, None),
    Row("loyalty", 0, 0.4, "app", 0.3, {"plan": "basic", "tenure_months": 14}, True),
    Row("loyalty", 1, 0.5, "app", 0.3, {"plan": "silver"}, True),
    Row("no_action", 1, 0.1, "call", 0.2, {"plan": "gold", "tenure_months": 2}, False),
    Row("device_upgrade", 1, 0.9, "app", 0.25, {"plan": "gold", "tenure_months": 50}, False),
    Row("discount_10", 2, 0.65, "app", 0.5, {"plan": "silver", "tenure_months": 8}, True),
    Row("discount_10", 2, 0.35, "app", 0.5, {"plan": "gold", "tenure_months": 9}, False),
    Row("no_action", 2, 0.05, None, 0.4, {}, None),
]
"""Three days, four offers, every band and channel, outcomes of both kinds and none."""


@pytest.fixture
def clock() -> SetClock:
    return SetClock()


@pytest.fixture
def runtime(settings: Settings, clock: SetClock) -> Iterator[Runtime]:
    """The conftest's runtime on a clock the test moves."""
    yield from insight_runtime(settings, clock)


def test_the_summaries_equal_a_direct_count_also_after_new_decisions_and_outcomes(
    runtime: Runtime, clock: SetClock
) -> None:
    decisions = log_rows(runtime, clock, KNOWN)
    run = runtime.summaries.refresh()
    assert (run.decisions, run.outcomes) == (10, 8)
    assert summarised_counts(runtime) == direct_counts(runtime)
    # A day later: new decisions through the service, late outcomes for day-0 decisions.
    clock.advance(timedelta(days=1))
    for i in range(5):
        request = DecisionRequest(f"new{i}", 0.2 * i, (("plan", "gold"),), channel="web")
        made = runtime.decider.decide(request).decision
        runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, made.id, i % 2 == 0))
    unanswered = [d for d, row in zip(decisions, KNOWN, strict=True) if row.accepted is None]
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, unanswered[0].id, True))
    clock.advance(timedelta(seconds=1))
    run = runtime.summaries.refresh()
    assert (run.decisions, run.outcomes) == (5, 6)
    assert summarised_counts(runtime) == direct_counts(runtime)
    assert runtime.summaries.refresh().decisions == 0
    assert summarised_counts(runtime) == direct_counts(runtime)


def test_rows_younger_than_the_settle_time_wait_for_the_next_run(
    runtime: Runtime, clock: SetClock
) -> None:
    log_rows(runtime, clock, KNOWN)
    settled = DailySummaries(runtime.database, clock, settle_s=3600, owner="patient")
    first = settled.refresh()
    assert first.decisions < len(KNOWN)
    assert first.as_of == clock() - timedelta(hours=1)
    clock.advance(timedelta(hours=2))
    settled.refresh()
    assert summarised_counts(runtime) == direct_counts(runtime)


def test_two_summarisers_taking_turns_count_every_row_once(
    runtime: Runtime, clock: SetClock
) -> None:
    other = DailySummaries(runtime.database, clock, settle_s=0, owner="other host")
    log_rows(runtime, clock, KNOWN[:4])  # day 0
    runtime.summaries.refresh()
    log_rows(runtime, clock, KNOWN[4:])  # days 1 and 2
    other.refresh()
    runtime.summaries.refresh()
    assert summarised_counts(runtime) == direct_counts(runtime)
    with runtime.database.session() as session:
        assert acquire_lock(session, "daily_summaries", "a third", 60, clock())
    assert other.refresh().skipped == "another process is summarising"


def test_a_rebuild_starts_again_from_the_whole_log(runtime: Runtime, clock: SetClock) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    rebuilt = runtime.summaries.rebuild()
    assert (rebuilt.decisions, rebuilt.outcomes) == (10, 8)
    assert summarised_counts(runtime) == direct_counts(runtime)


def test_the_overview_shows_counts_and_the_rate_with_its_interval(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    html = console_client("marketer").get("/ui/overview").get_data(as_text=True)
    assert '<span class="figure">10</span> decisions' in html
    assert '<span class="figure">8</span> with an outcome' in html
    assert '<span class="figure">4</span> accepted' in html
    assert rate_text(4, 8) in html  # 50.0% (95% CI 21.5-78.5%)
    titles = ["Decisions and outcomes per day", "Acceptance rate per day, every offer"]
    assert chart_titles(html) == titles
    assert "Not computed yet" in html
    assert "No model version has been trained yet" in html
    # discount_10: 5 shows, 4 answered, 2 accepts; its name links to its dashboard
    assert "/ui/offers/discount_10/dashboard?days=30" in html
    assert rate_text(2, 4) in html


def test_the_window_keeps_only_its_days(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    today = runtime.insights.headline(1).overall  # day 2 only
    assert (today.shows, today.answered, today.accepts) == (3, 2, 1)
    everything = runtime.insights.headline(None).overall
    assert (everything.shows, everything.answered, everything.accepts) == (10, 8, 4)
    client = console_client("analyst")
    assert '<span class="figure">3</span> decisions' in client.get("/ui/overview?days=1").text
    reply = client.get("/ui/overview?days=soon")
    assert reply.status_code == 400
    assert "days" in reply.text


def _many_rows(n: int, rng: np.random.Generator) -> list[Row]:
    offers = ("discount_10", "loyalty", "device_upgrade", "no_action")
    rows = []
    for _ in range(n):
        offer_id, on, churn = offers[int(rng.integers(4))], int(rng.integers(3)), rng.random()
        plan = "gold" if rng.random() < 0.5 else "basic"
        accepted = bool(rng.random() < 0.3)
        rows.append(Row(offer_id, on, float(churn), "app", 0.25, {"plan": plan}, accepted))
    return sorted(rows, key=lambda r: r.day)


def test_the_learned_policy_is_compared_with_the_rules_and_random(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    rows = _many_rows(60, np.random.default_rng(3))
    log_rows(runtime, clock, rows)
    runtime.summaries.refresh()
    version = runtime.save_model()
    comparison = runtime.comparison.run()
    assert comparison is not None and comparison.model_version == version
    assert comparison.rows == 60
    # As logged: the mean reward, an accepted offer 1 and `no_action` 0 whatever its answer.
    # Random: SNIPS by hand, each decision weighted by (1/4) / 0.25 = 1 (4 offers eligible).
    accepted = sum(bool(r.accepted) and r.offer_id != "no_action" for r in rows)
    logged = comparison.of("logged", "on_policy")
    random = comparison.of("random", "snips")
    assert logged is not None and random is not None
    assert logged.value == pytest.approx(accepted / 60)
    assert random.value == pytest.approx(accepted / 60)
    assert random.ci_low <= random.value <= random.ci_high
    for policy in ("learned", "rules"):
        for estimator in ("snips", "dr"):
            found = comparison.of(policy, estimator)
            assert found is not None and found.ci_low <= found.ci_high
    html = console_client("analyst").get("/ui/overview").text
    for words in ("learned policy (active model version)", "churn-band rules",
                  "random among eligible offers", "the newest 60 decisions that have an outcome",
                  f"for model version {version}", "effective sample size"):  # fmt: skip
        assert words in html
    assert "Learned policy against the churn-band rules and random" in chart_titles(html)
    assert "<dt>version</dt><dd>1" in html
    # Nothing new: the job does nothing; a new outcome: it runs again.
    assert runtime.comparison.run() is None
    made = runtime.decider.decide(DecisionRequest("late", 0.5)).decision
    runtime.feedback.record(FeedbackReport(FeedbackKind.ACCEPTANCE, made.id, True))
    again = runtime.comparison.run()
    assert again is not None and again.rows == 61


def test_too_few_outcomes_are_said_in_words(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.comparison.run()
    html = console_client("marketer").get("/ui/overview").text
    assert "8 decisions have an outcome so far; the comparison needs at least 30." in html


def test_only_marketers_analysts_and_admins_may_open_the_overview(
    runtime: Runtime, console_client: Callable[[str], FlaskClient]
) -> None:
    for role in ("marketer", "analyst", "admin"):
        assert console_client(role).get("/ui/overview").status_code == 200
    assert console_client("crm").get("/ui/overview").status_code == 403
    anonymous = console_client("crm").application.test_client()
    reply = anonymous.get("/ui/overview")
    assert reply.status_code == 302 and "/ui/sign-in" in reply.headers["Location"]


def test_home_shows_the_headline_to_the_roles_of_the_overview(
    runtime: Runtime, clock: SetClock, console_client: Callable[[str], FlaskClient]
) -> None:
    log_rows(runtime, clock, KNOWN)
    runtime.summaries.refresh()
    marketer = console_client("marketer").get("/ui/").text
    assert '<span class="figure">10</span> decisions in the last 30 days' in marketer
    assert rate_text(4, 8) in marketer
    nav = marketer[marketer.index("<nav>") : marketer.index("</nav>")]
    assert nav.index("Overview") < nav.index("Home")
    crm = console_client("crm").get("/ui/").text
    assert "decisions in the last 30 days" not in crm
    assert "Overview" not in crm
    with runtime.database.session(readonly=True) as session:
        assert count_decisions(session) == 10


def test_one_process_at_a_time_runs_the_comparison(runtime: Runtime, clock: SetClock) -> None:
    log_rows(runtime, clock, KNOWN)
    with runtime.database.session() as session:
        assert acquire_lock(session, "policy_comparison", "another worker", 60, clock())
    assert runtime.comparison.run() is None
    assert runtime.comparison.latest() is None
    clock.advance(timedelta(minutes=2))  # that worker's lease ran out
    assert runtime.comparison.run() is not None
