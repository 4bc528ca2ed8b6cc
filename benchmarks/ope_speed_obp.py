"""The obp half of ope_speed.py: run under the benchmark venv (obp 0.5.7), never imports nba.

    bench-env/bin/python benchmarks/ope_speed_obp.py FOLDER LAMBDAS_JSON N_BOOTSTRAP REPEATS

Reads the .npy arrays ope_speed.py saved, times obp's estimators on them (inputs reshaped to
obp's (n, n_actions, 1) layout) and prints one JSON line: values and seconds.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")


def best(repeats: int, run: Callable[[], object]) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    """Time obp and print the JSON line."""
    folder, lambdas, n_boot, repeats = sys.argv[1:5]
    lambdas = json.loads(lambdas)
    n_boot, repeats = int(n_boot), int(repeats)
    from obp.ope import (
        DirectMethod,
        DoublyRobust,
        DoublyRobustWithShrinkage,
        InverseProbabilityWeighting,
        SelfNormalizedDoublyRobust,
        SelfNormalizedInverseProbabilityWeighting,
        SwitchDoublyRobust,
    )

    a = {p.stem: np.load(p) for p in Path(folder).glob("*.npy")}
    dist = a["action_dist"][:, :, None]
    q = a["estimated_rewards"][:, :, None]
    common = {"reward": a["reward"], "action": a["action"], "pscore": a["pscore"]}
    estimators = {
        "ips": (InverseProbabilityWeighting(), False),
        "snips": (SelfNormalizedInverseProbabilityWeighting(), False),
        "dm": (DirectMethod(), True),
        "dr": (DoublyRobust(), True),
        "sndr": (SelfNormalizedDoublyRobust(), True),
        "switch_dr": (SwitchDoublyRobust(lambda_=lambdas["switch_dr"]), True),
        "dr_os": (DoublyRobustWithShrinkage(lambda_=lambdas["dr_os"]), True),
    }

    def value(name: str) -> float:
        estimator, model = estimators[name]
        if name == "dm":
            return float(
                estimator.estimate_policy_value(action_dist=dist, estimated_rewards_by_reg_model=q)
            )
        extra = {"estimated_rewards_by_reg_model": q} if model else {}
        return float(estimator.estimate_policy_value(action_dist=dist, **common, **extra))

    four = ("ips", "snips", "dm", "dr")
    t_four, _ = best(repeats, lambda: [value(n) for n in four])
    t_all, values = best(repeats, lambda: {n: value(n) for n in estimators})

    def dr_interval() -> dict[str, float]:
        return DoublyRobust().estimate_interval(
            action_dist=dist,
            estimated_rewards_by_reg_model=q,
            n_bootstrap_samples=n_boot,
            random_state=0,
            **common,
        )

    t_boot, interval = best(max(1, repeats - 1), dr_interval)
    interleaved = _interleaved(a, value, dr_interval, repeats) if "--with-nba" in sys.argv else {}
    print(
        json.dumps(
            {
                "interleaved_with_nba": interleaved,
                "point_ips_snips_dm_dr_s": round(t_four, 3),
                "point_all_s": round(t_all, 3),
                f"bootstrap{n_boot}_dr_s": round(t_boot, 3),
                "values": values,
                "dr_interval": interval,
            }
        )
    )


def _interleaved(
    a: dict[str, np.ndarray],
    value: Callable[[str], float],
    dr_interval: Callable[[], object],
    repeats: int,
) -> dict[str, float]:
    """obp and nba (imported from this checkout) timed turn about in one process, same numpy."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from nba.ope import evaluate

    def nba(names: tuple[str, ...], n_bootstrap: int) -> object:
        return evaluate(
            a["reward"],
            a["action"],
            a["pscore"],
            a["action_dist"],
            a["estimated_rewards"],
            estimators=names,
            n_bootstrap=n_bootstrap,
            random_state=1,
            lambda_={"switch_dr": 5.0, "dr_os": 100.0},
        )

    four = ("ips", "snips", "dm", "dr")
    every = (*four, "sndr", "switch_dr", "dr_os")
    times: dict[str, list[float]] = {}
    runs = {
        "obp_point_ips_snips_dm_dr_s": lambda: [value(n) for n in four],
        "nba_point_ips_snips_dm_dr_s": lambda: nba(four, 0),
        "obp_bootstrap200_dr_s": dr_interval,
        "nba_bootstrap200_all_s": lambda: nba(every, 200),
    }
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times.setdefault(key, []).append(time.perf_counter() - start)
    return {key: round(min(values), 3) for key, values in times.items()}


if __name__ == "__main__":
    main()
