"""What contact policies and eligibility expressions cost a decision, in-process on SQLite.

Run: `python benchmarks/contact_policies.py [--n 3000] [--customers 300] [--seed 0]`.
Two runtimes on fresh SQLite files get the same 9 offers and the same requests (the bench
workload's contexts, over `--customers` customers so that each has a history to count): one
plain, one with an expression on every offer and a full contact policy (two window limits, both
decline cool-downs, quiet hours not in force, ten suppressed customers). After a warm-up that
declines about half of the offers made, both decide the same requests in alternating blocks of
200, so that the load of the machine falls on both alike; it prints the p50 and p90 of
`Decider.decide` for each, their ratio, and what the rules held back.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import click
import numpy as np

from nba.bench.workload import make_contexts, make_offers
from nba.config import Settings
from nba.domain import FeedbackKind, FeedbackReport
from nba.runtime import Runtime, build_runtime
from nba.schemas import DecisionBody, decision_request, parse
from nba.serving.inputs import DecisionRequest

EXPRESSION = (
    "(tenure_months ?? 0) >= 0 and plan in ['basic', 'plus', 'premium', 'unlimited'] "
    "and not (region == 'mars')"
)
POLICY = {
    "limits": [
        {"max_offers": 40, "window_days": 30},
        {"max_offers": 20, "window_days": 7, "channel": "sms"},
    ],
    "decline_cooldown": {"offer_days": 30, "category_days": 7},
    "quiet_hours": [{"channel": "nowhere", "start": "00:00", "end": "23:59"}],
}
BLOCK = 200


def _runtime(folder: str, seed: int, ruled: bool) -> Runtime:
    settings = Settings(
        data_dir=Path(folder),
        database_url=f"sqlite:///{Path(folder) / 'nba.db'}",
        seed=seed,
        save_interval_s=3600.0,
    )
    runtime = build_runtime(settings)
    for spec in make_offers(10):
        if ruled:
            rules = {**spec.get("eligibility", {}), "expression": EXPRESSION}
            spec = {**spec, "eligibility": rules}
        runtime.catalog.add(spec)
    if ruled:
        runtime.contacts.set_policy(POLICY)
        for k in range(10):
            runtime.contacts.suppress({"customer_id": f"c{k:05d}"})
    return runtime


def _warm_up(runtime: Runtime, requests: list[DecisionRequest], rng: np.random.Generator) -> None:
    for request in requests:
        decision = runtime.decider.decide(request).decision
        if decision.chosen != "no_action" and rng.random() < 0.5:
            report = FeedbackReport(FeedbackKind.ACCEPTANCE, decision.id, False)
            runtime.feedback.record(report)


@click.command()
@click.option("--n", type=click.IntRange(min=BLOCK), default=3000, show_default=True)
@click.option("--customers", type=click.IntRange(min=20), default=300, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
def main(n: int, customers: int, seed: int) -> None:
    """Print decide's p50 and p90 without and with contact policies and expressions."""
    rng = np.random.default_rng(seed)
    bodies = make_contexts(n + 600, 20, rng)
    for i, body in enumerate(bodies):
        body["customer_id"] = f"c{i % customers:05d}"
    requests = [decision_request(parse(DecisionBody, b)) for b in bodies]
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        runtimes = {"plain": _runtime(a, seed, False), "ruled": _runtime(b, seed, True)}
        try:
            for runtime in runtimes.values():
                _warm_up(runtime, requests[:600], np.random.default_rng(seed))
            seconds: dict[str, list[float]] = {name: [] for name in runtimes}
            timed = requests[600:]
            for start in range(0, len(timed), BLOCK):
                for name, runtime in runtimes.items():
                    for request in timed[start : start + BLOCK]:
                        began = time.perf_counter()
                        runtime.decider.decide(request)
                        seconds[name].append(time.perf_counter() - began)
            for name, spent in seconds.items():
                p50, p90 = np.percentile(spent, [50, 90]) * 1e6
                click.echo(f"{name}: decide p50 {p50:,.0f} µs, p90 {p90:,.0f} µs ({len(spent)})")
            ratio = statistics.median(seconds["ruled"]) / statistics.median(seconds["plain"])
            click.echo(f"ruled / plain p50: {ratio:.2f}")
            click.echo(
                f"held back (decisions by rule): {runtimes['ruled'].contacts.refusal_counts()}"
            )
        finally:
            for runtime in runtimes.values():
                runtime.close()


if __name__ == "__main__":
    main()
