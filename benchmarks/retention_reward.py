"""Retention as the reward against acceptance as the reward, in the simulator's `delayed` world.

Run: `python benchmarks/retention_reward.py [STEPS] [SEEDS] [POLICY] [INTERIM] [KEY=VALUE...]`
(defaults 200000, 3, vw-squarecb, the service's `retention_interim_reward`; KEY=VALUE are
policy parameters for both modes, e.g. `learning_rate=0.02`, or for one mode when prefixed
with it, e.g. `retention_value.learning_rate=0.5`); each mode otherwise gets the service's
defaults for it (`nba.reward.fresh_policy_params`: VW learns at 0.1 under
`retention_value`). The same policy learns once from acceptance and once from
`retention_value` (the acceptance as an interim reward on the final reward's scale, then the
retention answer 30-90 simulated days later as the correction `2 * final - interim`, as the
service does; the final reward is the net value less the churn-score baseline,
`nba.reward.retention_reward`, whose clipped share is printed); both are measured in
expected net value per decision (retained x customer value - offer cost if accepted,
simulator/retention.py) over the second half of the run, mean ± 95% CI over seeds, and by
quarter of the run (the learning curve: answers come 30-90 simulated days, 6,000-18,000
decisions, late). `no_action` and the net-value oracle on the same customers give the floor
and the ceiling.
"""

from __future__ import annotations

import math
import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from nba.config import RewardMode
from simulator import Delayed, runner
from simulator.lineup import factory
from simulator.report import _t975

SCENARIO = Delayed(population_size=20_000, steps_per_day=200.0)
ACCEPTANCE, RETENTION = RewardMode.ACCEPTANCE, RewardMode.RETENTION_VALUE
MODES = (ACCEPTANCE, RETENTION)


def one(
    mode: RewardMode, seed: int, steps: int, policy: str, interim: float, params: dict[str, float]
) -> dict[str, float]:
    """Net value per decision over the second half of one run, and the clipped shares."""
    mine = {k: v for k, v in params.items() if "." not in k}
    mine |= {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith(f"{mode}.")}
    policies = {policy: factory(policy, mode, **mine)}
    result = runner.compare(SCENARIO, policies, steps, [seed], reward_mode=mode, interim=interim)
    r, half = result[0], slice(steps // 2, None)
    target = 2.0 * r.realised - np.where(r.accepted, interim, 0.0)
    return {
        "clipped": float((np.abs(r.realised) >= 1.0).mean()),
        "target_clipped": float((np.abs(target) > 1.0).mean()),
        "policy": float(r.net_values[half].mean()),
        "no_action": float(r.net_expected[half, 0].mean()),
        "oracle": float(r.oracle_net_values[half].mean()),
        "no_action_share": float((r.chosen[half] == 0).mean()),
        **{f"q{q}": float(part.mean()) for q, part in enumerate(np.array_split(r.net_values, 4))},
    }


def _number(text: str) -> float | int:
    return int(text) if text.isdigit() else float(text)


def _cell(values: list[float]) -> str:
    ci = _t975(len(values) - 1) * np.std(values, ddof=1) / math.sqrt(len(values))
    return f"{np.mean(values):8.1f} ± {ci:5.1f}"


def main() -> None:
    """Print net value per decision by reward mode, mean ± 95% CI over seeds."""
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    seeds = range(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    policy = sys.argv[3] if len(sys.argv) > 3 else "vw-squarecb"
    interim = float(sys.argv[4]) if len(sys.argv) > 4 else runner.RETENTION_INTERIM
    params = {k: _number(v) for k, v in (a.split("=", 1) for a in sys.argv[5:])}
    jobs = [(mode, seed) for mode in MODES for seed in seeds]
    with ProcessPoolExecutor(2) as pool:
        modes, seed_list = zip(*jobs, strict=True)
        n = len(jobs)
        found = list(
            pool.map(one, modes, seed_list, [steps] * n, [policy] * n, [interim] * n, [params] * n)
        )
    by = {job: row for job, row in zip(jobs, found, strict=True)}
    named = f"{policy} {params}" if params else policy
    print(f"delayed, {steps} decisions, {len(seeds)} seeds, {named}; "
          "net value per decision, "
          f"last {steps // 2} (mean ± 95% CI)")  # fmt: skip
    print(
        f"{'learned from':16s} {'policy':>16s} {'no_action':>16s} {'oracle':>16s}  no_action share"
    )
    for mode in MODES:
        rows = [by[(mode, s)] for s in seeds]
        cells = [_cell([r[k] for r in rows]) for k in ("policy", "no_action", "oracle")]
        share = np.mean([r["no_action_share"] for r in rows])
        print(f"{mode:16s} {cells[0]} {cells[1]} {cells[2]}  {share:.2f}")
    print("by quarter of the run (policy net value; retention_value - acceptance, paired):")
    for q in range(4):
        cells = [_cell([by[(mode, s)][f"q{q}"] for s in seeds]) for mode in MODES]
        rows = [(by[(RETENTION, s)], by[(ACCEPTANCE, s)]) for s in seeds]
        paired = [ret[f"q{q}"] - acc[f"q{q}"] for ret, acc in rows]
        print(f"  quarter {q + 1}: {cells[0]}  {cells[1]}  {_cell(paired).strip()}")
    diff = [by[(RETENTION, s)]["policy"] - by[(ACCEPTANCE, s)]["policy"] for s in seeds]
    print(f"retention_value - acceptance, paired by seed: {_cell(diff).strip()}")
    rows = [by[(RETENTION, s)] for s in seeds]
    print(
        f"retention_value rewards (interim {interim:g}): final clipped "
        f"{np.mean([r['clipped'] for r in rows]):.3%}, corrections 2*final-interim clipped "
        f"{np.mean([r['target_clipped'] for r in rows]):.3%}"
    )


if __name__ == "__main__":
    main()
