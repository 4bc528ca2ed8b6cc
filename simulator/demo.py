"""`nba demo`: drive a running service over HTTP with simulated customers, then summarise.

The service learns from the outcomes the simulated customers report; the same customer
stream is also run in-process through a uniform-random policy and the oracle, so the summary
can say how much the learned policy gained.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

import policies
from simulator.http_client import run_http, sync_offers
from simulator.result import RunResult
from simulator.runner import run
from simulator.scenarios import SCENARIOS

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo shows: acceptance per block of decisions, and the learned offer mix."""

    steps: int
    seconds: float
    acceptance: pd.DataFrame  # rows: blocks; columns: learned, random, oracle
    offer_mix: pd.DataFrame  # rows: churn bands; columns: offers (share of decisions)
    learned_total: float
    random_total: float
    oracle_total: float


def run_demo(
    base_url: str,
    *,
    crm_key: str,
    marketer_key: str,
    steps: int,
    seed: int,
    blocks: int = 5,
    progress: Progress | None = None,
) -> DemoSummary:
    """Load the catalog, send `steps` simulated customers through the HTTP API, summarise."""
    scenario = SCENARIOS["stationary"]()
    sync_offers(base_url, marketer_key, scenario.offers())
    learned = run_http(scenario, base_url, crm_key, steps, seed, progress=progress)
    random = run(scenario, policies.get("random"), steps, seed)
    return summarise(learned, random, blocks)


def summarise(learned: RunResult, random: RunResult, blocks: int) -> DemoSummary:
    """Acceptance per block for the learned policy, uniform random and the oracle."""
    edges = np.linspace(0, learned.steps, blocks + 1).astype(int)
    rows = []
    for start, end in itertools.pairwise(edges.tolist()):
        rows.append(
            {
                "decisions": f"{start + 1}-{end}",
                "learned": float(learned.rewards[start:end].mean()),
                "random": float(random.rewards[start:end].mean()),
                "oracle": float(learned.oracle_rewards[start:end].mean()),
            }
        )
    half = learned.steps // 2
    frame = learned.frame.iloc[half:]
    mix = pd.crosstab(frame["churn_band"], frame["offer_id"], normalize="index")
    return DemoSummary(
        steps=learned.steps,
        seconds=learned.elapsed_s,
        acceptance=pd.DataFrame(rows).set_index("decisions"),
        offer_mix=mix,
        learned_total=float(learned.rewards.mean()),
        random_total=float(random.rewards.mean()),
        oracle_total=float(learned.oracle_rewards.mean()),
    )


def format_summary(summary: DemoSummary) -> str:
    """The summary as text for the terminal."""
    lines = [
        f"{summary.steps} decisions over HTTP in {summary.seconds:.1f} s "
        f"({summary.steps / max(summary.seconds, 1e-9):.0f}/s, each with its outcome)",
        "",
        "Acceptance rate per block of decisions (learned policy vs uniform random, same "
        "customers; oracle = expected rate of the best offer):",
        summary.acceptance.to_string(float_format=lambda v: f"{v:6.3f}"),
        "",
        "Offer mix by churn band, learned policy, second half of the run (share of decisions):",
        summary.offer_mix.to_string(float_format=lambda v: f"{v:5.2f}"),
        "",
        f"Overall acceptance: learned {summary.learned_total:.3f}, random "
        f"{summary.random_total:.3f} ({_lift(summary):+.0%}), oracle {summary.oracle_total:.3f}",
    ]
    return "\n".join(lines)


def _lift(summary: DemoSummary) -> float:
    return summary.learned_total / summary.random_total - 1 if summary.random_total else 0.0
