"""Bias, RMSE and 95% interval coverage of every estimator against the known truth.

    .venv/bin/python benchmarks/ope_coverage.py [--seeds 100] [--rows 3000] [--out out/ope_bench]

Simulated logs (`nba.ope.synthetic`) with uniform and epsilon-greedy logging; for each seed a
fresh log, a cross-fitted reward model on the contexts, and every estimator with a
200-resample bootstrap interval and a normal (delta-method) interval. Writes coverage.json
and coverage.png (bias, RMSE, coverage per estimator) to --out and prints a summary; exits 1
if the bootstrap intervals of dr or snips cover the truth in fewer than 90% of seeds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import numpy as np

from nba.ope import cross_fit, evaluate
from nba.ope.synthetic import make_environment

ESTIMATORS = ("ips", "snips", "cips", "dm", "dr", "sndr", "switch_dr", "dr_os")
LOGGING = ("uniform", "epsilon_greedy")


def run(logging: str, seeds: int, rows: int, n_bootstrap: int, root: int) -> dict[str, dict]:
    """Per estimator: bias, RMSE, and coverage and mean width of both intervals."""
    env_rng, truth_rng, seed_rng = np.random.default_rng([root, LOGGING.index(logging)]).spawn(3)
    env = make_environment(env_rng, n_actions=5, logging=logging)
    truth = env.true_value(truth_rng, n=1_000_000)
    values = {name: [] for name in ESTIMATORS}
    boot = {name: [] for name in ESTIMATORS}
    normal = {name: [] for name in ESTIMATORS}
    for rng in seed_rng.spawn(seeds):
        log = env.sample(rows, rng)
        q = cross_fit(log.reward, log.action, env.n_actions, rng, features=log.features)
        args = (log.reward, log.action, log.pscore, log.action_dist, q)
        for e in evaluate(*args, estimators=ESTIMATORS, n_bootstrap=n_bootstrap, random_state=rng):
            values[e.name].append(e.value)
            boot[e.name].append((e.ci_low, e.ci_high))
        for e in evaluate(*args, estimators=ESTIMATORS, interval="normal"):
            normal[e.name].append((e.ci_low, e.ci_high))
    out: dict[str, dict] = {"truth": {"value": truth}}
    for name in ESTIMATORS:
        v = np.array(values[name])
        b, nm = np.array(boot[name]), np.array(normal[name])
        out[name] = {
            "bias": float(v.mean() - truth),
            "rmse": float(np.sqrt(((v - truth) ** 2).mean())),
            "coverage_bootstrap": float(((b[:, 0] <= truth) & (truth <= b[:, 1])).mean()),
            "coverage_normal": float(((nm[:, 0] <= truth) & (truth <= nm[:, 1])).mean()),
            "width_bootstrap": float((b[:, 1] - b[:, 0]).mean()),
            "width_normal": float((nm[:, 1] - nm[:, 0]).mean()),
        }
    return out


def plot(results: dict[str, dict], path: Path) -> None:
    """Bias, RMSE and coverage bars per estimator, one colour per logging policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4), dpi=90)
    x = np.arange(len(ESTIMATORS))
    for i, logging in enumerate(LOGGING):
        r = results[logging]
        for ax, key in zip(axes, ("bias", "rmse", "coverage_bootstrap"), strict=True):
            ax.bar(x + 0.4 * i - 0.2, [r[e][key] for e in ESTIMATORS], 0.4, label=logging)
    for ax, title in zip(axes, ("bias", "RMSE", "95% bootstrap CI coverage"), strict=True):
        ax.set_xticks(x, ESTIMATORS, rotation=30)
        ax.set_title(title)
    axes[0].axhline(0, color="black", lw=0.8)
    axes[2].axhline(0.95, color="black", lw=0.8, label="nominal 0.95")
    axes[2].axhline(0.90, color="red", lw=0.8, ls="--", label="floor 0.90")
    axes[2].set_ylim(0.0, 1.0)
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@click.command()
@click.option("--seeds", default=100, show_default=True)
@click.option("--rows", default=3000, show_default=True)
@click.option("--n-bootstrap", default=200, show_default=True)
@click.option("--seed", default=2026, show_default=True)
@click.option("--out", "out_dir", default="out/ope_bench", show_default=True)
def main(seeds: int, rows: int, n_bootstrap: int, seed: int, out_dir: str) -> None:
    """Run both logging policies, write the JSON and the figure, print a table."""
    results = {logging: run(logging, seeds, rows, n_bootstrap, seed) for logging in LOGGING}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "coverage.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out / "coverage.png")
    click.echo(f"{seeds} seeds x {rows} rows, {n_bootstrap} resamples")
    click.echo(f"{'logging':<15}{'estimator':<11}{'bias':>9}{'rmse':>9}{'cov boot':>10}"
               f"{'cov norm':>10}{'width':>9}")  # fmt: skip
    ok = True
    for logging, r in results.items():
        for name in ESTIMATORS:
            m = r[name]
            click.echo(
                f"{logging:<15}{name:<11}{m['bias']:9.4f}{m['rmse']:9.4f}"
                f"{m['coverage_bootstrap']:10.2f}{m['coverage_normal']:10.2f}"
                f"{m['width_bootstrap']:9.4f}"
            )
            if name in ("dr", "snips"):
                ok = ok and m["coverage_bootstrap"] >= 0.9
    click.echo(f"dr and snips cover the truth in >= 90% of seeds: {'yes' if ok else 'NO'}")
    click.echo(str(out / "coverage.json"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
