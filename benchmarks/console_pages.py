"""Console pages with 200,000 decisions in the log: how long each takes to render.

Run: `python benchmarks/console_pages.py [N] [--database-url URL] [--repeat R]` (default
N=200000 on a fresh SQLite file; a PostgreSQL URL gets a scratch schema, dropped at the end).

1. Loads N decisions spread over 60 days (8 offers and `no_action`, 3 channels, 5 context
   fields) and an outcome for ~85% of them with bulk inserts; trains one model version on
   5,000 outcomes.
2. Times the daily summaries job from scratch (what the first run after migration 0007 does),
   then one incremental run after 1,000 more decisions and outcomes, and the policy comparison.
3. Signs in as admin through Flask's test client and times every GET page of the console
   blueprint found in the app's url_map (path arguments filled from the data: an offer, a
   decision, a model version...), R times each: the server's time to render the page (no
   page is cached: the charts are drawn in the browser). Prints median and p95 per page.
4. With `--browser`: serves the app on a local port and opens each page with charts in
   headless Chromium (Playwright), R times each, timing from the start of the navigation to
   the moment every chart is drawn: what the user waits for.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from api import create_app
from nba.config import Settings
from nba.domain import Decision, EligibleOffer
from nba.runtime import Runtime, build_runtime
from nba.schemas import EvaluationBody, evaluation_spec
from nba.storage import list_decisions
from nba.storage._json import eligible_to_json
from nba.storage.decisions import add_decisions
from nba.storage.tables import DecisionRow, OutcomeRow

OFFERS = [
    ("discount_10", "discount", 5.0), ("discount_20", "discount", 12.0),
    ("device_upgrade", "device", 40.0), ("loyalty", "loyalty", 2.0),
    ("data_bonus", "data_bonus", 1.0), ("upsell_plus", "upsell", 0.0),
    ("tech_visit", "service", 25.0), ("bill_review", "service", 3.0),
]  # fmt: skip
CHANNELS = ("app", "call", "web")
CHUNK = 20_000
QUERIES = {
    "console.overview": ("?days=all",),
    "console.offer_dashboard": ("?days=all",),
    "console.decisions": ("?customer_id={customer_id}",),
}
"""Pages timed again with these query strings (filled from the same values as the paths)."""
DAYS = 60


def add_offers(runtime: Runtime) -> tuple[EligibleOffer, ...]:
    """The catalogue (one offer with a money budget) as each decision saw it."""
    for offer_id, category, cost in OFFERS:
        caps = {"budget_money": 250_000.0} if offer_id == "discount_10" else {}
        runtime.catalog.add({"id": offer_id, "name": offer_id.replace("_", " ").title(),
                             "category": category, "cost": cost, "caps": caps,
                             "features": {"pct": cost, "kind": category}})  # fmt: skip
    return tuple(
        EligibleOffer(o.id, o.version, o.category, o.features) for o in runtime.catalog.list()
    )


def load(runtime: Runtime, n: int, rng: np.random.Generator, end: datetime) -> int:
    """Log `n` decisions over the `DAYS` days before `end`, and their outcomes, with Core
    INSERTs of prebuilt rows (every draw made at once with numpy); how many outcomes."""
    eligible = add_offers(runtime)
    eligible_json = eligible_to_json(eligible)
    k = len(eligible)
    seconds = np.sort(rng.uniform(0, DAYS * 86400.0, size=n))
    probabilities = rng.dirichlet(np.ones(k), size=n)
    chosen = (probabilities.cumsum(axis=1) < rng.random((n, 1))).sum(axis=1).clip(0, k - 1)
    churn = rng.random(n)
    plans = rng.choice(["basic", "silver", "gold"], size=n)
    segments = rng.choice(["student", "family", "business", "senior"], size=n)
    regions = rng.integers(5, size=n)
    tenure = rng.integers(1, 120, size=n)
    spend = np.round(rng.gamma(4.0, 10.0, size=n), 2)
    answered = rng.random(n) < 0.85
    accepted = rng.random(n) < 0.1 + 0.2 * churn
    ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]
    start_time = end - timedelta(days=DAYS)
    last_outcome = end - timedelta(seconds=10)
    outcomes = 0
    for first in range(0, n, CHUNK):
        decisions, answers = [], []
        for i in range(first, min(n, first + CHUNK)):
            ts = start_time + timedelta(seconds=float(seconds[i]))
            j = int(chosen[i])
            decisions.append({
                "id": ids[i], "ts": ts, "customer_id": f"c{i}", "churn_score": float(churn[i]),
                "context": {"plan": str(plans[i]), "segment": str(segments[i]),
                            "region": f"r{regions[i]}", "tenure_months": int(tenure[i]),
                            "monthly_spend": float(spend[i])},
                "channel": CHANNELS[i % 3], "eligible": eligible_json,
                "probabilities": probabilities[i].tolist(), "scores": [0.0] * k,
                "chosen": eligible[j].offer_id, "chosen_version": eligible[j].version,
                "propensity": float(probabilities[i, j]), "policy": "vw",
                "model_version": None, "excluded": None,
            })  # fmt: skip
            if answered[i]:
                answers.append({"decision_id": ids[i], "accepted": bool(accepted[i]),
                                "value": None, "ts": min(last_outcome, ts + timedelta(hours=6)),
                                "source": "reported", "reward": float(accepted[i]),
                                "occurred_at": None, "learned_version": None})  # fmt: skip
        with runtime.database.session() as session:
            session.connection().execute(sa.insert(DecisionRow), decisions)
            session.connection().execute(sa.insert(OutcomeRow), answers)
        outcomes += len(answers)
    return outcomes


def sign_in(app: Flask, runtime: Runtime) -> tuple[FlaskClient, str]:
    """A test client signed in to the console as a new admin key, and the key's secret."""
    _, secret = runtime.keys.create("admin", "benchmark")
    client = app.test_client()
    form = client.get("/ui/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    reply = client.post("/ui/sign-in", data={"csrf_token": token.group(1), "api_key": secret})
    assert reply.status_code == 302, reply.status_code
    return client, secret


def console_pages(app: Flask, values: dict[str, str]) -> tuple[list[tuple[str, str]], list[str]]:
    """Every GET page of the console blueprint as (what to print, path to get), its path
    arguments filled from `values`; and the pages left out (an argument with no value)."""
    pages: list[tuple[str, str]] = []
    skipped = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("console.") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in ("console.static", "console.sign_in"):
            continue
        missing = [a for a in rule.arguments if a not in values]
        if missing:
            skipped.append(f"{rule.rule} (no value for {', '.join(missing)})")
            continue
        path, shown = rule.rule, rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:[^:<>]+:)?{argument}>", values[argument], path)
            shown = re.sub(rf"<(?:[^:<>]+:)?{argument}>", f"<{argument}>", shown)
        pages.append((shown, path))
        for query in QUERIES.get(rule.endpoint, ()):
            pages.append((shown + query, path + query.format(**values)))
    return pages, skipped


@dataclass
class PageTimes:
    """One page's render times in ms: wall clock, and the CPU time of this process (the test
    client serves in it), which a machine shared with other work inflates less."""

    path: str
    status: int = 0
    kb: float = 0.0
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    has_charts: bool = False


def time_page(client: FlaskClient, page: tuple[str, str], repeat: int) -> PageTimes:
    """Render one page `repeat` times through the test client."""
    shown, path = page
    times = PageTimes(shown)
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        reply = client.get(path)
        times.wall.append(1000 * (time.perf_counter() - started))
        times.cpu.append(1000 * (time.process_time() - cpu))
        times.status, times.kb = reply.status_code, len(reply.data) / 1024
        times.has_charts = b'class="chart-spec"' in reply.data
    return times


DRAWN_AT = "Number(document.documentElement.dataset.chartsAt)"
"""When the chart script finished drawing, in ms since the navigation started."""


def time_in_browser(
    app: Flask, secret: str, pages: list[tuple[str, str]], repeat: int
) -> dict[str, list[float]]:
    """Per page, ms from the start of each navigation in headless Chromium until its chart
    script has drawn every chart (the app served by werkzeug on a local port)."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("--browser needs Chromium: apt-get install -y chromium")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    times: dict[str, list[float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            view = browser.new_page(viewport={"width": 1280, "height": 900})
            view.goto(f"{base}/ui/sign-in")
            view.fill("#api_key", secret)
            view.click("button[type=submit]")
            view.wait_for_url(f"{base}/ui/")
            for shown, path in pages:
                view.goto(base + path)  # the first view loads and caches the chart library
                times[shown] = []
                for _ in range(repeat):
                    view.goto(base + path)
                    view.wait_for_selector("html[data-charts-drawn]", state="attached")
                    times[shown].append(float(view.evaluate(DRAWN_AT)))
            browser.close()
    finally:
        server.shutdown()
    return times


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(np.ceil(0.95 * len(ordered))) - 1)]


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    """A fresh SQLite file, or a scratch schema of a PostgreSQL database (dropped after)."""
    if url is None or not url.startswith("postgresql"):
        yield url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
        return
    schema = f"nba_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    """Load, summarise, then print each console page's cold and warm render times."""
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=200_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--browser", action="store_true", help="also time pages in Chromium")
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    with scratch_database(args.database_url) as url:
        folder = Path(tempfile.mkdtemp())
        settings = Settings(database_url=url, data_dir=folder, seed=7, save_interval_s=3600,
                            train_max_events=5000, trainer_enabled=True,
                            summary_settle_s=0)  # fmt: skip
        runtime = build_runtime(settings)
        try:
            run(runtime, args.n, args.repeat, rng, url, browser=args.browser)
        finally:
            runtime.close()


def run(
    runtime: Runtime, n: int, repeat: int, rng: np.random.Generator, url: str, *, browser: bool
) -> None:
    """The benchmark proper on a built runtime."""
    end = datetime.now(UTC)
    started = time.perf_counter()
    outcomes = load(runtime, n, rng, end)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    built = runtime.summaries.refresh()
    build_s = time.perf_counter() - started
    assert built.decisions == n and built.outcomes == outcomes, built
    add = _recent(runtime, 1000, rng)
    time.sleep(1.0)  # past the newest of them: the next run takes all in
    started = time.perf_counter()
    step = runtime.summaries.refresh()
    step_s = time.perf_counter() - started
    assert step.decisions == add, step
    version = runtime.save_model()
    started = time.perf_counter()
    runtime.comparison.run()
    comparison_s = time.perf_counter() - started
    app = create_app(runtime=runtime, start_jobs=False)
    client, secret = sign_in(app, runtime)
    with runtime.database.session(readonly=True) as session:
        some = list_decisions(session, limit=1)[0]
    values = {"offer_id": "discount_10", "decision_id": some.id, "customer_id": some.customer_id,
              "version": str(version or 1), "evaluation_id": _evaluation(runtime)}  # fmt: skip
    pages, skipped = console_pages(app, values)
    for _, path in pages:  # fills the template cache
        client.get(path)
    results = [time_page(client, page, repeat) for page in pages]
    backend = url.split(":")[0].split("+")[0]
    print(f"backend {backend}: {n:,} decisions, {outcomes:,} outcomes over {DAYS} days, "
          f"loaded in {load_s:.1f} s")  # fmt: skip
    print(
        f"daily summaries from scratch: {build_s:.1f} s; "
        f"one run taking in {add:,} new decisions and their outcomes: {1000 * step_s:.0f} ms"
    )
    print(f"policy comparison (newest {runtime.settings.evaluation.decisions:,} decisions with "
          f"an outcome): {comparison_s:.1f} s")  # fmt: skip
    print()
    drawn: dict[str, list[float]] = {}
    if browser:
        charted = [page for page, r in zip(pages, results, strict=True) if r.has_charts]
        drawn = time_in_browser(app, secret, charted, repeat)
    print(
        f"ms, {repeat} views each: server = rendering the page (wall median / p95, CPU "
        "median); browser = from navigation to every chart drawn in Chromium (median / p95)"
    )
    print(f"{'page':<44} {'status':>6} {'KB':>5} {'server':>11} {'CPU':>5} {'browser':>11}")
    for r in results:
        in_browser = drawn.get(r.path)
        shown = (
            f"{statistics.median(in_browser):>5.0f} /{p95(in_browser):>4.0f}" if in_browser else ""
        )
        print(f"{r.path:<44} {r.status:>6} {r.kb:>5.0f} "
              f"{statistics.median(r.wall):>5.0f} /{p95(r.wall):>4.0f} "
              f"{statistics.median(r.cpu):>5.0f} {shown:>11}")  # fmt: skip
    for page in skipped:
        print(f"not timed: {page}")


def _evaluation(runtime: Runtime) -> str:
    """A finished evaluation job (random and rules by SNIPS on the last day), for its pages."""
    body = EvaluationBody.model_validate({
        "policies": ["random", "rules"], "estimators": ["snips"], "n_bootstrap": 50,
        "from": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    })  # fmt: skip
    job = runtime.evaluations.submit(evaluation_spec(body))
    for _ in range(600):
        if runtime.evaluations.get(job.id).status in ("done", "failed"):
            break
        time.sleep(0.5)
    return job.id


def _recent(runtime: Runtime, n: int, rng: np.random.Generator) -> int:
    """`n` decisions made from now on, half a millisecond apart, each with an outcome: what
    one run of the job takes in under a steady 2,000 decisions a second."""
    now = datetime.now(UTC)
    eligible = tuple(
        EligibleOffer(o.id, o.version, o.category, o.features) for o in runtime.catalog.list()
    )
    decisions, outcomes = [], []
    for i in range(n):
        ts = now + timedelta(milliseconds=0.5 * i)
        p = rng.dirichlet(np.ones(len(eligible)))
        chosen = int(rng.choice(len(eligible), p=p))
        decision = Decision(
            id=str(uuid.uuid4()), ts=ts, customer_id=f"new{i}", churn_score=float(rng.random()),
            context=(("plan", "gold"), ("tenure_months", i % 50)), channel="app",
            eligible=eligible, probabilities=tuple(float(x) for x in p),
            scores=(0.0,) * len(eligible), chosen=eligible[chosen].offer_id,
            propensity=float(p[chosen]), policy="vw", model_version=None,
        )  # fmt: skip
        decisions.append(decision)
        outcomes.append({"decision_id": decision.id, "accepted": bool(i % 4 == 0),
                         "value": None, "ts": ts, "source": "reported",
                         "reward": float(i % 4 == 0), "occurred_at": None,
                         "learned_version": None})  # fmt: skip
    with runtime.database.session() as session:
        add_decisions(session, decisions)
        session.connection().execute(sa.insert(OutcomeRow), outcomes)
    return n


if __name__ == "__main__":
    main()
