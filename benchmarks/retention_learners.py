"""Which learner keeps the most customers: retention learners side by side under `retention_value`.

Run: `python benchmarks/retention_learners.py [--scenario delayed] [--steps 200000]
[--seeds 3] [--learners pooled-ridge,vw-squarecb]` (the first learner is compared with each
other one). Every learner meets the same customers with the same draws (common random
numbers, `simulator.runner`) and learns under reward mode `retention_value` with the
service's parameters for it (`simulator.lineup.factory`: VW learns at 0.1). `vw-squarecb`
is the learner nba used under `retention_value` before `pooled-ridge`.

Printed, over the second half of the run (the answers come 30-90 simulated days, 6,000-18,000
decisions, late; at 200 decisions a day):
- net value per decision (retained x customer value - offer cost if accepted), with
  `no_action` and the net-value oracle on the same customers: the floor and the ceiling;
- the captured share: (learner - no_action) / (oracle - no_action), the part of the value
  there is to capture that the learner captured;
- the paired difference between the first learner and each other one, per seed, overall and
  by quarter of the run (the learning curve).
Every figure is a mean over seeds with its 95% t interval.
"""

from __future__ import annotations

import argparse
import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

from nba.config import RewardMode
from simulator import Delayed, runner
from simulator.lineup import factory
from simulator.report import _t975
from simulator.scenarios import Drift, Stationary

RETENTION = RewardMode.RETENTION_VALUE


def scenario(name: str, steps: int) -> Stationary:
    """The named world at 200 decisions a day (drift changes halfway through the run)."""
    base = {"population_size": 20_000, "steps_per_day": 200.0}
    if name == "delayed":
        return Delayed(**base)
    if name == "stationary":
        return Stationary(**base)
    if name == "drift":
        return replace(Drift(**base), change_at=steps // 2)
    raise SystemExit(f"unknown scenario {name!r}; known: delayed, stationary, drift")


def one(world: str, learner: str, seed: int, steps: int) -> dict[str, float]:
    """Net values of one learner's run: second half, no_action, oracle, quarters."""
    chosen = scenario(world, steps)
    result = runner.compare(
        chosen, {learner: factory(learner, RETENTION)}, steps, [seed], reward_mode=RETENTION
    )[0]
    half = slice(steps // 2, None)
    lift = result.net_values - result.net_expected[:, 0]
    return {
        "policy": float(result.net_values[half].mean()),
        "no_action": float(result.net_expected[half, 0].mean()),
        "oracle": float(result.oracle_net_values[half].mean()),
        "share": float(lift[half].mean())
        / float((result.oracle_net_values - result.net_expected[:, 0])[half].mean()),
        "no_action_share": float((result.chosen[half] == 0).mean()),
        **{f"q{q}": float(part.mean()) for q, part in enumerate(np.array_split(lift, 4))},
    }


def _cell(values: list[float], percent: bool = False) -> str:
    mean = float(np.mean(values))
    ci = _t975(len(values) - 1) * float(np.std(values, ddof=1)) / math.sqrt(len(values))
    if percent:
        return f"{mean:7.1%} ± {ci:5.1%}"
    return f"{mean:8.1f} ± {ci:5.1f}"


def main() -> None:
    """Run every learner on every seed (two processes) and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scenario", default="delayed")
    parser.add_argument("--steps", type=int, default=200_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--learners", default="pooled-ridge,vw-squarecb")
    args = parser.parse_args()
    learners = args.learners.split(",")
    seeds = list(range(args.seeds))
    jobs = [(learner, seed) for learner in learners for seed in seeds]
    with ProcessPoolExecutor(2) as pool:
        found = list(
            pool.map(
                one,
                [args.scenario] * len(jobs),
                [j[0] for j in jobs],
                [j[1] for j in jobs],
                [args.steps] * len(jobs),
            )
        )
    by = dict(zip(jobs, found, strict=True))
    print(f"{args.scenario}, {args.steps} decisions, {len(seeds)} seeds, reward retention_value; "
          f"net value per decision over the last {args.steps - args.steps // 2} "
          "(mean ± 95% CI over seeds)")  # fmt: skip
    print(f"{'learner':16s} {'net value':>16s} {'no_action':>16s} {'oracle':>16s} "
          f"{'captured share':>16s}  no_action chosen")  # fmt: skip
    for learner in learners:
        rows = [by[(learner, s)] for s in seeds]
        cells = [_cell([r[k] for r in rows]) for k in ("policy", "no_action", "oracle")]
        share = _cell([r["share"] for r in rows], percent=True)
        chosen = np.mean([r["no_action_share"] for r in rows])
        print(f"{learner:16s} {cells[0]} {cells[1]} {cells[2]} {share:>16s}  {chosen:.2f}")
    first = learners[0]
    for other in learners[1:]:
        paired = [by[(first, s)]["policy"] - by[(other, s)]["policy"] for s in seeds]
        print(f"{first} - {other}, paired by seed: {_cell(paired).strip()}")
        print("  by quarter of the run (net value over no_action; paired difference):")
        for q in range(4):
            mine = [by[(first, s)][f"q{q}"] for s in seeds]
            theirs = [by[(other, s)][f"q{q}"] for s in seeds]
            diff = [a - b for a, b in zip(mine, theirs, strict=True)]
            print(f"    quarter {q + 1}: {_cell(mine)}  {_cell(theirs)}  {_cell(diff).strip()}")


if __name__ == "__main__":
    main()
