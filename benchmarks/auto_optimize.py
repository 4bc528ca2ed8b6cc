"""Auto-optimize on the simulator (issue 15): a service started with a deliberately poor default
(uniform random) and auto-optimize on, against the best single policy run on its own.

Run: `.venv/bin/python benchmarks/auto_optimize.py [--steps 100000] [--seed 1]`.
Target: over the last 20% of the run, the service's mean expected reward is >= 95% of the best
single policy's (`lints`, `linucb`, `vw`, each run alone on the same customers and draws).
The service runs in this process behind its real HTTP routes (Flask's test client in place of
a network session); it trains every `--train-every` decisions and compares its challengers
(the default set) with the champion every `--optimize-every` decisions, as the scheduler would.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import click
import numpy as np

import policies
from api import create_app
from nba.config import Settings
from nba.runtime import Runtime, build_runtime
from simulator import SCENARIOS, run
from simulator.http_client import HttpDriver, sync_offers
from simulator.runner import simulate, streams

BEST_OF = ("lints", "linucb", "vw")


class _Reply:
    """What `simulator.http_client` reads of a `requests.Response`, from Flask's test reply."""

    def __init__(self, reply: Any) -> None:
        self.status_code, self.content, self.text = reply.status_code, reply.data, reply.text
        self._json = reply.get_json(silent=True)

    def json(self) -> Any:
        return self._json


class _Session:
    """A `requests.Session` look-alike over the app's test client (no sockets, same routes)."""

    def __init__(self, runtime: Runtime) -> None:
        self._client = create_app(runtime=runtime, start_jobs=False).test_client()

    def get(self, url: str, **kw: Any) -> _Reply:
        return _Reply(self._client.get(_path(url), headers=kw.get("headers")))

    def post(self, url: str, **kw: Any) -> _Reply:
        return _Reply(self._client.post(_path(url), json=kw.get("json"), headers=kw.get("headers")))


def _path(url: str) -> str:
    return url.removeprefix("http://service")


class _Scheduled(HttpDriver):
    """The HTTP driver, with the service's scheduled jobs run every so many decisions."""

    def __init__(self, runtime: Runtime, key: str, train_every: int, optimize_every: int) -> None:
        self.session: Any = _Session(runtime)
        super().__init__("http://service", key, session=self.session)
        self._runtime, self._train, self._optimize = runtime, train_every, optimize_every
        self.promotions: list[tuple[int, str]] = []

    def decide(self, step: int, *args: Any, **kw: Any) -> tuple[int, tuple[float, ...], str | None]:
        if step and step % self._train == 0:
            self._runtime.save_model()
        if step and step % self._optimize == 0:
            found = self._runtime.optimizer.run_scheduled()
            if found is not None and found.promoted:
                self.promotions.append((step, found.promoted))
                click.echo(f"  step {step}: promoted {found.promoted}", err=True)
        return super().decide(step, *args, **kw)


@click.command()
@click.option("--steps", default=100_000, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--scenario", default="stationary", show_default=True)
@click.option("--train-every", default=1000, show_default=True)
@click.option("--optimize-every", default=5000, show_default=True)
@click.option("--holdout", default=2000, show_default=True)
@click.option("--min-ess", default=200.0, show_default=True)
def main(
    steps: int, seed: int, scenario: str, train_every: int, optimize_every: int,
    holdout: int, min_ess: float,
) -> None:  # fmt: skip
    """Print the last-20% reward of the auto-optimized service and of each single policy."""
    last = max(1, steps // 5)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="nba-auto-optimize-") as data:
        settings = Settings(
            data_dir=Path(data), seed=seed, policy="random", auto_optimize=True,
            auto_optimize_holdout=holdout, auto_optimize_min_ess=min_ess,
            save_interval_s=1e9, trainer_enabled=False,
        )  # fmt: skip
        runtime = build_runtime(settings)
        try:
            _, crm = runtime.keys.create("crm", "benchmark")
            _, marketer = runtime.keys.create("marketer", "benchmark")
            chosen = SCENARIOS[scenario]()
            driver = _Scheduled(runtime, crm, train_every, optimize_every)
            session: Any = driver.session
            sync_offers("http://service", marketer, chosen.offers(), session=session)
            rngs = streams(seed)
            service = simulate(chosen, chosen.world(rngs[0]), driver, steps, rngs, seed)
        finally:
            runtime.close()
    served = float(service.expected_rewards[-last:].mean())
    seconds = time.perf_counter() - started
    click.echo(f"auto-optimized service (uniform start): {served:.4f} over the last {last} "
               f"decisions; promotions {driver.promotions}; {seconds:.0f} s")  # fmt: skip
    best = 0.0
    for name in BEST_OF:
        alone = run(SCENARIOS[scenario](), policies.get(name, rng=np.random.default_rng(seed)),
                    steps, seed)  # fmt: skip
        value = float(alone.expected_rewards[-last:].mean())
        best = max(best, value)
        click.echo(f"{name} alone: {value:.4f}")
    ratio = served / best if best else float("nan")
    click.echo(f"service / best single policy: {ratio:.3f} (target >= 0.95)")


if __name__ == "__main__":
    main()
