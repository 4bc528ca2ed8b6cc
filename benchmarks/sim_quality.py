"""Simulator quality targets (issue 4): stationary, new_offer and drift, plus side-by-side learners.

Run: `.venv/bin/python benchmarks/sim_quality.py [--seeds 2] [--steps 50000] [--out DIR]`.
Targets: stationary, last 10,000 of 50,000 decisions: best VW >= 85% of the oracle and >= 1.15x
the best churn-band rules; new_offer: the new arm's share near its oracle share within 5,000
decisions; drift: >= 80% of the oracle within 10,000 decisions of the change.
"""

from __future__ import annotations

import time
from pathlib import Path

import click
import numpy as np

from simulator import Drift, NewOffer, Stationary, compare
from simulator.lineup import factory
from simulator.report import summary, summary_markdown, write_report
from simulator.result import RunResult

VW = ("vw-squarecb", "vw-epsilon")
RULES = ("rules", "rules-best")
LEARNERS = ("linucb", "lints")
MABWISER = ("mabwiser-linucb", "mabwiser-lints")
WINDOWS = ((-5000, 0), (0, 1000), (2000, 3000), (5000, 6000), (9000, 10000), (14000, 15000))
"""Drift report windows, in decisions relative to the change."""


def _ratio(r: RunResult, start: int, stop: int) -> float:
    return float(r.expected_rewards[start:stop].mean() / r.oracle_rewards[start:stop].mean())


def _stationary(steps: int, seeds: int, mabwiser: bool, out: Path | None) -> None:
    names = (*VW, *RULES, *LEARNERS, "random")
    started = time.perf_counter()
    results = compare(Stationary(), {n: factory(n) for n in names}, steps, seeds)
    if mabwiser:
        # MABWiser predicts one row at a time slowly; learning in batches of 10 keeps it usable.
        results += compare(
            Stationary(), {n: factory(n) for n in MABWISER}, steps, seeds, learn_batch=10
        )
    click.echo(
        f"\n## stationary, {steps:,} steps x {seeds} seeds "
        f"({time.perf_counter() - started:.0f} s)\n"
    )
    click.echo(summary_markdown(results, 10_000))
    table = summary(results, 10_000).set_index("policy")
    best_vw = table.loc[list(VW), "last_ratio"].idxmax()
    best_rule = table.loc[list(RULES), "last_reward"].idxmax()
    vw_ratio = table.loc[best_vw, "last_ratio"]
    lift = table.loc[best_vw, "last_reward"] / table.loc[best_rule, "last_reward"] - 1
    click.echo(f"best VW {best_vw}: {100 * vw_ratio:.1f}% of oracle (target >= 85%)")
    per_seed = [_ratio(r, steps - 10_000, steps) for r in results if r.policy == best_vw]
    click.echo(f"  per seed: {', '.join(f'{100 * x:.1f}%' for x in per_seed)}")
    click.echo(f"best VW vs best rules ({best_rule}): {100 * lift:+.1f}% (target >= +15%)")
    if out is not None:
        write_report(results, out / "stationary", logs=False)


def _new_offer(seeds: int, out: Path | None) -> None:
    scenario = NewOffer()
    steps = scenario.added_at + 10_000
    names = (*VW, "linucb", "lints")
    results = compare(scenario, {n: factory(n) for n in names}, steps, seeds)
    new = scenario.new_offer.id
    click.echo(f"\n## new_offer: {new} added at {scenario.added_at:,}, {seeds} seeds\n")
    click.echo(
        "| policy | share, +0-1k | +2-3k | +4-5k | oracle share, +4-5k | +9-10k | oracle "
        "| +4-5k / oracle |"
    )
    click.echo("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        runs = [r for r in results if r.policy == name]
        j = runs[0].offer_ids.index(new)

        def share(lo: int, hi: int, oracle: bool = False, runs=runs, j=j) -> float:
            a, b = scenario.added_at + lo, scenario.added_at + hi
            picks = [(r.oracle_choice if oracle else r.chosen)[a:b] == j for r in runs]
            return float(np.mean(picks))

        click.echo(
            f"| {name} | {share(0, 1000):.3f} | {share(2000, 3000):.3f} | {share(4000, 5000):.3f} "
            f"| {share(4000, 5000, True):.3f} | {share(9000, 10000):.3f} "
            f"| {share(9000, 10000, True):.3f} "
            f"| {share(4000, 5000) / share(4000, 5000, True):.2f} |"
        )
    if out is not None:
        write_report(results, out / "new_offer", share_offer=new, logs=False)


def _drift(seeds: int, out: Path | None) -> None:
    scenario = Drift()
    steps = scenario.change_at + 15_000
    names = (*VW, *RULES, "linucb", "lints")
    results = compare(scenario, {n: factory(n) for n in names}, steps, seeds)
    c = scenario.change_at
    click.echo(f"\n## drift: responses change at {c:,}, {seeds} seeds (% of oracle)\n")
    click.echo("| policy | before (-5k..0) | +0-1k | +2-3k | +5-6k | +9-10k | +14-15k |")
    click.echo("| --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        runs = [r for r in results if r.policy == name]
        cells = [np.mean([_ratio(r, c + lo, c + hi) for r in runs]) for lo, hi in WINDOWS]
        click.echo(f"| {name} | " + " | ".join(f"{100 * x:.1f}" for x in cells) + " |")
    if out is not None:
        write_report(results, out / "drift", logs=False)


@click.command()
@click.option("--steps", default=50_000, show_default=True)
@click.option("--seeds", default=2, show_default=True)
@click.option("--mabwiser/--no-mabwiser", default=True, show_default=True)
@click.option(
    "--only", type=click.Choice(["all", "stationary", "new_offer", "drift"]), default="all"
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
def main(steps: int, seeds: int, mabwiser: bool, only: str, out: Path | None) -> None:
    """Print the quality figures as Markdown; with --out also write reports and plots."""
    if only in ("all", "stationary"):
        _stationary(steps, seeds, mabwiser, out)
    if only in ("all", "new_offer"):
        _new_offer(seeds, out)
    if only in ("all", "drift"):
        _drift(seeds, out)


if __name__ == "__main__":
    main()
