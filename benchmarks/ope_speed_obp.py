"""The obp half of ope_speed.py: run under the benchmark venv (obp 0.5.7), never imports nba.

    bench-env/bin/python benchmarks/ope_speed_obp.py FOLDER LAMBDAS_JSON N_BOOTSTRAP REPEATS

Reads the .npy arrays ope_speed.py saved, times obp's estimators on them (inputs reshaped to
obp's (n, n_actions, 1) layout) and prints one JSON line: values and seconds. With
`--with-nba` it also times nba (this checkout) and obp turn about in this one process, on
the same numpy: point estimates of ips, snips, dm and dr; the 200-resample bootstrap of
those four (obp: one `estimate_interval` each; nba: one `evaluate`); and nba's bootstrap of
all seven estimators against obp's of DR alone.
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

    def other_intervals() -> None:
        """obp's bootstrap of IPS, SNIPS and DM (with DR's: the four nba is timed on)."""
        for estimator, model in ((InverseProbabilityWeighting(), False),
                                 (SelfNormalizedInverseProbabilityWeighting(), False),
                                 (DirectMethod(), True)):  # fmt: skip
            extra = {"estimated_rewards_by_reg_model": q} if model else {}
            estimator.estimate_interval(
                action_dist=dist, n_bootstrap_samples=n_boot, random_state=0, **common, **extra
            )

    interleaved = (
        _interleaved(a, value, dr_interval, other_intervals, repeats)
        if "--with-nba" in sys.argv
        else {}
    )
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
    other_intervals: Callable[[], object],
    repeats: int,
) -> dict[str, object]:
    """obp and nba (imported from this checkout) timed turn about in one process, same numpy.

    Each turn runs every job once, obp then nba; the best time of each job counts, and the
    ratio obp / nba of every turn is kept too (its spread shows how much the shared machine's
    load moved during the run).
    """
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
        "obp_bootstrap200_ips_snips_dm_s": other_intervals,
        "nba_bootstrap200_ips_snips_dm_dr_s": lambda: nba(four, 200),
    }
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times.setdefault(key, []).append(time.perf_counter() - start)
    obp_four = [
        dr + rest
        for dr, rest in zip(
            times["obp_bootstrap200_dr_s"], times["obp_bootstrap200_ips_snips_dm_s"], strict=True
        )
    ]
    times["obp_bootstrap200_ips_snips_dm_dr_s"] = obp_four
    pairs = {
        "point_ips_snips_dm_dr": ("obp_point_ips_snips_dm_dr_s", "nba_point_ips_snips_dm_dr_s"),
        "bootstrap_ips_snips_dm_dr": (
            "obp_bootstrap200_ips_snips_dm_dr_s",
            "nba_bootstrap200_ips_snips_dm_dr_s",
        ),
        "bootstrap_all_vs_obp_dr_only": ("obp_bootstrap200_dr_s", "nba_bootstrap200_all_s"),
    }
    per_turn = {
        name: [round(o / n, 1) for o, n in zip(times[obp], times[nba], strict=True)]
        for name, (obp, nba) in pairs.items()
    }
    out: dict[str, object] = {key: round(min(values), 3) for key, values in times.items()}
    out["speedup_per_turn"] = per_turn
    return out


if __name__ == "__main__":
    main()
