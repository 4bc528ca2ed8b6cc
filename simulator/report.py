"""Reports over runs: summary table (mean ± 95% CI over seeds), PNG plots, result files."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: plots are files
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from nba.config import RewardMode
from nba.logschema import spreadsheet_safe, write_log
from simulator.result import BANDS, RunResult

# Two-sided 97.5% Student t quantiles for 1..10 degrees of freedom; 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228)


def _t975(df: int) -> float:
    return _T975[df - 1] if 1 <= df <= len(_T975) else 1.96


def run_metrics(result: RunResult, last: int = 10_000) -> dict[str, float | str | int]:
    """The headline numbers of one run (with net value per decision under `retention_value`)."""
    last = min(last, result.steps)
    oracle_last = float(result.oracle_rewards[-last:].mean())
    mine_last = float(result.expected_rewards[-last:].mean())
    net: dict[str, float] = {}
    if (
        result.reward_mode is RewardMode.RETENTION_VALUE
        and result.net_value is not None
        and result.retained is not None
    ):
        net = {
            "net_value": float(result.net_values.mean()),
            "realised_net_value": float(result.net_value.mean()),
            "last_net_value": float(result.net_values[-last:].mean()),
            "last_oracle_net_value": float(result.oracle_net_values[-last:].mean()),
            "retained": float(np.mean(result.retained)),
        }
    return {
        "scenario": result.scenario,
        "policy": result.policy,
        "seed": result.seed,
        "steps": result.steps,
        "reward": float(result.rewards.mean()),
        "expected_reward": float(result.expected_rewards.mean()),
        "oracle_reward": float(result.oracle_rewards.mean()),
        "last_reward": mine_last,
        "last_oracle_reward": oracle_last,
        "last_ratio": mine_last / oracle_last if oracle_last else float("nan"),
        "regret": float(result.regret[-1]) if result.steps else 0.0,
        "decisions_per_s": result.decisions_per_s,
        **net,
    }


def metrics_table(results: Sequence[RunResult], last: int = 10_000) -> pd.DataFrame:
    """One row of `run_metrics` per run."""
    return pd.DataFrame([run_metrics(r, last) for r in results])


def summary(results: Sequence[RunResult], last: int = 10_000) -> pd.DataFrame:
    """Per scenario and policy: mean and 95% CI half-width over seeds of every metric."""
    table = metrics_table(results, last)
    numeric = [c for c in table.columns if c not in ("scenario", "policy", "seed", "steps")]
    rows = []
    for (scenario, policy), group in table.groupby(["scenario", "policy"], sort=False):
        row: dict[str, object] = {"scenario": scenario, "policy": policy, "seeds": len(group)}
        for column in numeric:
            values = group[column].to_numpy(dtype=float)
            row[column] = values.mean()
            spread = values.std(ddof=1) if len(values) > 1 else float("nan")
            row[f"{column}_ci"] = _t975(len(values) - 1) * spread / math.sqrt(len(values))
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(mean: float, ci: float, digits: int) -> str:
    if math.isnan(ci):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {ci:.{digits}f}"


def summary_markdown(results: Sequence[RunResult], last: int = 10_000) -> str:
    """The summary as a Markdown table, best policy first (mean ± 95% CI over seeds)."""
    table = summary(results, last).sort_values("last_reward", ascending=False)
    head = (
        f"| scenario | policy | seeds | mean reward | reward, last {last} | oracle, last {last} "
        f"| % of oracle, last {last} | regret | decisions/s |"
    )
    lines = [head, "|" + " --- |" * 9]
    for row in table.to_dict("records"):
        lines.append(
            f"| {row['scenario']} | {row['policy']} | {row['seeds']} "
            f"| {_cell(row['expected_reward'], row['expected_reward_ci'], 4)} "
            f"| {_cell(row['last_reward'], row['last_reward_ci'], 4)} "
            f"| {_cell(row['last_oracle_reward'], row['last_oracle_reward_ci'], 4)} "
            f"| {_cell(100 * row['last_ratio'], 100 * row['last_ratio_ci'], 1)} "
            f"| {_cell(row['regret'], row['regret_ci'], 0)} "
            f"| {row['decisions_per_s']:,.0f} |"
        )
    if "last_net_value" in table.columns:
        lines += ["", _net_markdown(table, last)]
    return "\n".join(lines) + "\n"


def _net_markdown(table: pd.DataFrame, last: int) -> str:
    """Net value per decision (retained x customer value - offer cost if accepted)."""
    rows = table.dropna(subset=["last_net_value"]).sort_values("last_net_value", ascending=False)
    lines = [
        f"| scenario | policy | net value/decision | net value, last {last} "
        f"| oracle net value, last {last} | realised net value | retained |",
        "|" + " --- |" * 7,
    ]
    for row in rows.to_dict("records"):
        lines.append(
            f"| {row['scenario']} | {row['policy']} "
            f"| {_cell(row['net_value'], row['net_value_ci'], 1)} "
            f"| {_cell(row['last_net_value'], row['last_net_value_ci'], 1)} "
            f"| {_cell(row['last_oracle_net_value'], row['last_oracle_net_value_ci'], 1)} "
            f"| {_cell(row['realised_net_value'], row['realised_net_value_ci'], 1)} "
            f"| {_cell(100 * row['retained'], 100 * row['retained_ci'], 1)}% |"
        )
    return "\n".join(lines)


def _by_policy(results: Sequence[RunResult]) -> dict[str, list[RunResult]]:
    out: dict[str, list[RunResult]] = {}
    for r in results:
        out.setdefault(r.policy, []).append(r)
    return out


def plot_regret(results: Sequence[RunResult], path: str | Path) -> Path:
    """Cumulative regret per policy (mean over seeds, band = min..max)."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, runs in _by_policy(results).items():
        curves = np.stack([r.regret for r in runs])
        x = np.arange(curves.shape[1])
        ax.plot(x, curves.mean(axis=0), label=name)
        ax.fill_between(x, curves.min(axis=0), curves.max(axis=0), alpha=0.15)
    ax.set(xlabel="decision", ylabel="cumulative regret", title="Cumulative regret vs oracle")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_reward_rate(results: Sequence[RunResult], path: str | Path, window: int = 1000) -> Path:
    """Rolling mean expected reward per policy, with the oracle's, over time."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    oracle_drawn = False
    for name, runs in _by_policy(results).items():
        rate = np.stack([r.expected_rewards for r in runs]).mean(axis=0)
        ax.plot(pd.Series(rate).rolling(window, min_periods=1).mean(), label=name)
        if not oracle_drawn:
            best = np.stack([r.oracle_rewards for r in runs]).mean(axis=0)
            ax.plot(pd.Series(best).rolling(window, 1).mean(), "k--", label="oracle (same state)")
            oracle_drawn = True
    ax.set(xlabel="decision", ylabel=f"reward rate ({window}-step mean)", title="Reward rate")
    ax.legend(fontsize=8)
    return _save(fig, path)


def plot_offer_mix(results: Sequence[RunResult], path: str | Path) -> Path:
    """Offer shares by churn band: one panel per policy plus the oracle's."""
    groups = _by_policy(results)
    panels = [(name, _mean_mix(runs, False)) for name, runs in groups.items()]
    if "oracle" not in groups:
        panels.append(("oracle", _mean_mix(next(iter(groups.values())), True)))
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 4), sharey=True)
    for ax, (name, mix) in zip(np.atleast_1d(axes), panels, strict=True):
        bottom = np.zeros(len(BANDS))
        for offer in mix.columns:
            ax.bar(BANDS, mix[offer].to_numpy(), bottom=bottom, label=offer)
            bottom += mix[offer].to_numpy()
        ax.set_title(name, fontsize=9)
    np.atleast_1d(axes)[0].set_ylabel("share of decisions")
    np.atleast_1d(axes)[-1].legend(fontsize=7, bbox_to_anchor=(1.02, 1), loc="upper left")
    return _save(fig, path)


def _mean_mix(runs: Sequence[RunResult], oracle: bool) -> pd.DataFrame:
    return pd.concat([r.offer_mix(oracle=oracle) for r in runs]).groupby(level=0, sort=False).mean()


def plot_offer_share(
    results: Sequence[RunResult], offer_id: str, path: str | Path, window: int = 1000
) -> Path:
    """One offer's share of decisions over time per policy, with the oracle's share."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    oracle_drawn = False
    for name, runs in _by_policy(results).items():
        shares = [r.share_over_time(offer_id, window) for r in runs]
        ax.plot(np.mean([s["share"] for s in shares], axis=0), label=name)
        if not oracle_drawn:
            ax.plot(np.mean([s["oracle_share"] for s in shares], axis=0), "k--", label="oracle")
            oracle_drawn = True
    ax.set(xlabel="decision", ylabel=f"share ({window}-step mean)", title=f"Share of {offer_id}")
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_report(
    results: Sequence[RunResult],
    out: str | Path,
    fmt: str = "parquet",
    last: int = 10_000,
    share_offer: str | None = None,
    logs: bool = True,
) -> list[Path]:
    """Write results, decision logs, summary.md and PNG plots to `out`; return the paths."""
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt: must be 'parquet' or 'csv', got {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    steps = pd.concat([r.frame for r in results], ignore_index=True)
    metrics = metrics_table(results, last)
    table = summary(results, last)
    for name, frame in (("steps", steps), ("runs", metrics), ("summary", table)):
        path = out / f"{name}.{fmt}"
        if fmt == "parquet":
            frame.to_parquet(path, index=False)
        else:
            spreadsheet_safe(frame).to_csv(path, index=False)
        written.append(path)
    if logs:
        for r in results:
            written.append(write_log(r.log, out / "logs" / f"{r.policy}-seed{r.seed}.{fmt}"))
    md = out / "summary.md"
    scenario = results[0].scenario if results else "?"
    md.write_text(f"# Simulation: {scenario}\n\n" + summary_markdown(results, last))
    written.append(md)
    written.append(plot_regret(results, out / "regret.png"))
    written.append(plot_reward_rate(results, out / "reward_rate.png"))
    written.append(plot_offer_mix(results, out / "offer_mix.png"))
    if share_offer is not None:
        written.append(plot_offer_share(results, share_offer, out / f"share_{share_offer}.png"))
    return written
