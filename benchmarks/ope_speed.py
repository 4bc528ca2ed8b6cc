"""Speed and memory of nba.ope on 1,000,000 logged rounds x 10 actions, and obp on the same arrays.

    .venv/bin/python benchmarks/ope_speed.py [--rows 1000000] [--actions 10] [--bench-env bench-env]

Times (best of --repeats): all point estimates together (`n_bootstrap=0`), the four that obp
is usually timed on (ips, snips, dm, dr), and all estimators with 200-resample bootstrap
intervals (default weights, and once with Poisson weights); peak memory of the bootstrap run
via tracemalloc (numpy reports its buffers there) beyond the inputs. When the benchmark
environment exists (a venv with obp 0.5.7, see docs/ope.md), the same arrays go to obp in a
subprocess and the values are compared.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import click
import numpy as np

from nba.ope import evaluate

ALL = ("ips", "snips", "dm", "dr", "sndr", "switch_dr", "dr_os")
FOUR = ("ips", "snips", "dm", "dr")
OBP_SCRIPT = Path(__file__).with_name("ope_speed_obp.py")


def make_arrays(n: int, k: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Epsilon-greedy logging, a softmax-ish candidate and a noisy reward model."""
    scores = rng.standard_normal((n, k))
    logging = np.full((n, k), 0.3 / k)
    logging[np.arange(n), scores.argmax(axis=1)] += 0.7
    action = (rng.random(n)[:, None] > logging.cumsum(axis=1)).sum(axis=1).clip(0, k - 1)
    candidate = np.exp(2.0 * (scores + 0.5 * rng.standard_normal((n, k))))
    candidate /= candidate.sum(axis=1, keepdims=True)
    truth = 1.0 / (1.0 + np.exp(-(scores - 1.0)))
    rows = np.arange(n)
    return {
        "reward": (rng.random(n) < truth[rows, action]).astype(np.float64),
        "action": action.astype(np.int64),
        "pscore": logging[rows, action],
        "action_dist": candidate,
        "estimated_rewards": np.clip(truth + 0.1 * rng.standard_normal((n, k)), 0, 1),
    }


def best_time(repeats: int, run: object) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best, out


@click.command()
@click.option("--rows", default=1_000_000, show_default=True)
@click.option("--actions", default=10, show_default=True)
@click.option("--n-bootstrap", default=200, show_default=True)
@click.option("--repeats", default=5, show_default=True)
@click.option("--bench-env", default="bench-env", show_default=True, help="venv with obp.")
@click.option("--seed", default=0, show_default=True)
def main(
    rows: int, actions: int, n_bootstrap: int, repeats: int, bench_env: str, seed: int
) -> None:
    """Run the benchmark and print one JSON summary."""
    arrays = make_arrays(rows, actions, np.random.default_rng(seed))
    a = arrays
    python = Path(bench_env) / "bin" / "python"
    before: dict[str, object] = {}
    if python.exists():
        before = run_obp(python, arrays, {"switch_dr": 1.0, "dr_os": 1.0}, n_bootstrap, repeats)

    def point(names: tuple[str, ...], lambdas: dict[str, float] | None = None) -> object:
        return evaluate(
            a["reward"], a["action"], a["pscore"], a["action_dist"], a["estimated_rewards"],
            estimators=names, n_bootstrap=0, lambda_=lambdas,
        )  # fmt: skip

    t_all, estimates = best_time(repeats, lambda: point(ALL))
    lambdas = {e.name: e.lambda_ for e in estimates if e.lambda_ is not None}  # type: ignore[union-attr]
    t_all_fixed, _ = best_time(repeats, lambda: point(ALL, lambdas))
    t_four, _ = best_time(repeats, lambda: point(FOUR))

    def boot(scheme: str = "mammen") -> object:
        return evaluate(
            a["reward"], a["action"], a["pscore"], a["action_dist"], a["estimated_rewards"],
            estimators=ALL, n_bootstrap=n_bootstrap, random_state=1, lambda_=lambdas,
            scheme=scheme,
        )  # fmt: skip

    t_boot, boot_estimates = best_time(max(1, repeats - 1), boot)
    t_boot_poisson, _ = best_time(1, lambda: boot("poisson"))
    tracemalloc.start()
    boot()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    input_mb = sum(v.nbytes for v in arrays.values()) / 2**20
    summary: dict[str, object] = {
        "rows": rows,
        "actions": actions,
        "nba": {
            "point_all_s": round(t_all, 3),
            "point_all_fixed_lambda_s": round(t_all_fixed, 3),
            "point_ips_snips_dm_dr_s": round(t_four, 3),
            f"bootstrap{n_bootstrap}_all_s": round(t_boot, 3),
            f"bootstrap{n_bootstrap}_all_poisson_scheme_s": round(t_boot_poisson, 3),
            "bootstrap_peak_mb_beyond_inputs": round(peak / 2**20, 1),
            "inputs_mb": round(input_mb, 1),
            "values": {e.name: e.value for e in estimates},  # type: ignore[union-attr]
            "intervals": {e.name: [e.ci_low, e.ci_high] for e in boot_estimates},  # type: ignore[union-attr]
            "lambdas": lambdas,
        },
    }
    if python.exists():
        # obp runs before and after nba's timings (the first with placeholder lambdas, for
        # times only); the best times of both count, so a burst of load from other work on
        # the machine does not favour either side.
        summary["obp"] = best_of(run_obp(python, arrays, lambdas, n_bootstrap, repeats), before)
        summary["comparison"] = compare(summary["nba"], summary["obp"], n_bootstrap)  # type: ignore[arg-type]
    else:
        summary["obp"] = f"skipped: no {python}"
    click.echo(json.dumps(summary, indent=2))


def run_obp(
    python: Path,
    arrays: dict[str, np.ndarray],
    lambdas: dict[str, float],
    n_boot: int,
    repeats: int,
) -> dict[str, object]:
    """Save the arrays, run ope_speed_obp.py under the benchmark venv, return its JSON."""
    with tempfile.TemporaryDirectory() as folder:
        for name, values in arrays.items():
            np.save(Path(folder) / f"{name}.npy", values)
        args = [
            str(python),
            str(OBP_SCRIPT),
            folder,
            json.dumps(lambdas),
            str(n_boot),
            str(repeats),
            "--with-nba",
        ]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def best_of(after: dict, before: dict) -> dict:
    """`after` (values with nba's lambdas) with each time the smaller of both runs."""
    out = dict(after)
    for key, value in before.items():
        if key.endswith("_s") and key in out:
            out[key] = min(out[key], value)
    return out


def compare(nba: dict, obp: dict, n_boot: int) -> dict[str, object]:
    """Largest absolute difference of values, and the speed-ups of nba over obp."""
    if "values" not in obp:
        return {"error": "obp did not run"}
    diffs = {k: abs(nba["values"][k] - v) for k, v in obp["values"].items()}
    boot_key = f"bootstrap{n_boot}"
    turns = obp.get("interleaved_with_nba") or {}
    if turns:
        turns = {
            "point_ips_snips_dm_dr": round(
                turns["obp_point_ips_snips_dm_dr_s"] / turns["nba_point_ips_snips_dm_dr_s"], 1
            ),
            "bootstrap_ips_snips_dm_dr": round(
                turns["obp_bootstrap200_ips_snips_dm_dr_s"]
                / turns["nba_bootstrap200_ips_snips_dm_dr_s"],
                1,
            ),
            "bootstrap_all_vs_obp_dr_only": round(
                turns["obp_bootstrap200_dr_s"] / turns["nba_bootstrap200_all_s"], 1
            ),
            "per_turn": turns.get("speedup_per_turn"),
        }
    return {
        "speedup_interleaved_same_process": turns,
        "max_abs_value_difference": max(diffs.values()),
        "abs_difference": diffs,
        "speedup_point_ips_snips_dm_dr": round(
            obp["point_ips_snips_dm_dr_s"] / nba["point_ips_snips_dm_dr_s"], 1
        ),
        "speedup_point_all": round(obp["point_all_s"] / nba["point_all_fixed_lambda_s"], 1),
        "speedup_bootstrap_all_vs_obp_dr_only": round(
            obp[f"{boot_key}_dr_s"] / nba[f"{boot_key}_all_s"], 1
        ),
    }


if __name__ == "__main__":
    sys.exit(main())
