"""Simulator speed: world generation for 1M customers, and in-process decisions per second.

Run: `.venv/bin/python benchmarks/sim_speed.py [--customers 1000000] [--steps 20000]`.
"""

from __future__ import annotations

import time

import click
import numpy as np

from simulator import Stationary, build_world, run
from simulator.lineup import factory


@click.command()
@click.option("--customers", default=1_000_000, show_default=True)
@click.option("--steps", default=20_000, show_default=True)
@click.option("--policies", "names", default="vw-squarecb,vw-epsilon,random", show_default=True)
@click.option("--repeats", default=3, show_default=True, help="Best of N world builds.")
def main(customers: int, steps: int, names: str, repeats: int) -> None:
    """Print timings: world build, then decisions/s per policy (best of the decision loop)."""
    times = []
    for seed in range(repeats):
        started = time.perf_counter()
        world = build_world(customers, np.random.default_rng(seed))
        times.append(time.perf_counter() - started)
    click.echo(
        f"population + churn scores + ground truth for {customers:,} customers: "
        f"best {min(times):.2f} s, median {np.median(times):.2f} s "
        f"({world.logits.shape[1]} offers)"
    )
    scenario = Stationary()
    for name in names.split(","):
        policy = factory(name)(np.random.default_rng(0))
        result = run(scenario, policy, steps, seed=0)
        click.echo(
            f"{name}: {result.decisions_per_s:,.0f} decisions/s in-process, learning online "
            f"({steps:,} steps, loop {result.elapsed_s:.1f} s)"
        )


if __name__ == "__main__":
    main()
