"""`nba models list|activate|pin|unpin|train|compare|apprentice|graduate|optimize`: the model
registry and auto-optimize."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import click

from nba.cli._common import database_options, echo_json, iso_utc, open_runtime, settings_from
from nba.domain import Actor, Optimization

if TYPE_CHECKING:
    from nba.runtime import Runtime

CLI = Actor.cli()

T = TypeVar("T")
_SHOWN = ("learned", "learned_total", "ope_snips", "ope_baseline_snips")
LIST_HEADER = ("version", "policy", "created_utc", "trained_up_to_utc", "state", "metrics")


def _with_runtime(
    database_url: str | None, data_dir: str | None, work: Callable[[Runtime], T]
) -> T:
    settings = settings_from(database_url, data_dir, trainer_enabled=False, online_learning=False)
    runtime = open_runtime(settings)
    try:
        return work(runtime)
    finally:
        runtime.database.dispose()


@click.group("models")
def command() -> None:
    """List, activate (roll back), pin, train and compare model versions."""


@command.command("list")
@database_options
def list_models(database_url: str | None, data_dir: str | None) -> None:
    """List model versions, newest first, with their main metrics (a header row first).

    Tab-separated; times in ISO 8601 UTC to the second. `trained_up_to_utc` is the time of the
    newest outcome the version learned (`-`: none); `state` is active and / or pinned.
    """
    click.echo("\t".join(LIST_HEADER))
    for m in _with_runtime(database_url, data_dir, lambda r: r.models.list()):
        state = " ".join(w for w, on in (("active", m.is_active), ("pinned", m.is_pinned)) if on)
        mark = iso_utc(m.watermark) if m.watermark else "-"
        metrics = dict(m.metrics)
        shown = " ".join(f"{k}={metrics[k]:.4g}" for k in _SHOWN if k in metrics)
        row = (str(m.version), m.policy, iso_utc(m.created_at), mark, state or "-", shown or "-")
        click.echo("\t".join(row))


@command.command("activate")
@click.argument("version", type=int)
@database_options
def activate(version: int, database_url: str | None, data_dir: str | None) -> None:
    """Make VERSION the active model; running services pick it up within seconds."""
    _with_runtime(database_url, data_dir, lambda r: r.models.activate(version, actor=CLI))
    click.echo(f"activated model version {version}")


@command.command("pin")
@click.argument("version", type=int)
@database_options
def pin(version: int, database_url: str | None, data_dir: str | None) -> None:
    """Pin VERSION: while it is active, training saves new versions without activating them."""
    _with_runtime(database_url, data_dir, lambda r: r.models.pin(version, True, actor=CLI))
    click.echo(f"pinned model version {version}")


@command.command("unpin")
@click.argument("version", type=int)
@database_options
def unpin(version: int, database_url: str | None, data_dir: str | None) -> None:
    """Unpin VERSION."""
    _with_runtime(database_url, data_dir, lambda r: r.models.pin(version, False, actor=CLI))
    click.echo(f"unpinned model version {version}")


@command.command("train")
@click.option("--evaluate/--no-evaluate", default=True, help="Evaluate the new version (OPE).")
@click.option(
    "--force", is_flag=True, help="Save a version even with nothing new to learn (a snapshot)."
)
@database_options
def train(evaluate: bool, force: bool, database_url: str | None, data_dir: str | None) -> None:
    """Learn every outcome no version has learned and save a new version (one trainer at a time).

    With no new decision with an outcome, says so on stderr, saves nothing and exits 0 (stdout
    stays empty); `--force` saves a version anyway.
    """

    def work(runtime: Runtime) -> int | str:
        if force:
            saved = runtime.models.train(actor=CLI)
            if evaluate:
                runtime.models.evaluate(saved.version)
            return saved.version
        run = runtime.models.train_outstanding(actor=CLI, evaluate=True if evaluate else None)
        return _nothing_to_learn(runtime) if run.version is None else run.version.version

    done = _with_runtime(database_url, data_dir, work)
    if isinstance(done, str):
        click.echo(done, err=True)
    else:
        click.echo(f"saved model version {done}")


def _nothing_to_learn(runtime: Runtime) -> str:
    versions = runtime.models.list()
    since = (
        "no decision has an outcome yet"
        if not versions
        else f"no decision got an outcome since model version {versions[0].version} was trained"
    )
    return (
        f"nothing to learn: {since}; no version saved. Report outcomes "
        "(POST /v1/decisions/{id}/outcome), then train again, or pass --force for a snapshot."
    )


@command.command("compare")
@click.argument("a", type=int)
@click.argument("b", type=int)
@database_options
def compare(a: int, b: int, database_url: str | None, data_dir: str | None) -> None:
    """Evaluate versions A and B off-policy on the same recent log (SNIPS, 95% intervals)."""
    echo_json(_with_runtime(database_url, data_dir, lambda r: r.models.compare(a, b)))


@command.command("apprentice")
@database_options
def apprentice(database_url: str | None, data_dir: str | None) -> None:
    """Show apprentice mode: who decides, and the evidence of the last graduation check."""
    status = _with_runtime(database_url, data_dir, lambda r: r.apprentice.status())
    echo_json(
        {
            "enabled": status.enabled,
            "serving": "baseline" if status.is_serving_baseline else "learner",
            "graduated": status.graduated,
            "graduated_by": status.graduated_by,
            "evidence": status.evidence,
        }
    )


@command.command("graduate")
@database_options
def graduate(database_url: str | None, data_dir: str | None) -> None:
    """Let the learner serve now instead of the baseline (the operator's decision)."""
    _with_runtime(database_url, data_dir, lambda r: r.apprentice.graduate("operator", actor=CLI))
    click.echo("the learner serves from now on")


OPTIMIZE_HEADER = ("challenger", "policy", "learned", "snips_lift", "dr_lift", "ess", "verdict")


@command.command("optimize")
@click.option("--history", is_flag=True, help="Show the stored comparisons instead, newest first.")
@database_options
def optimize(history: bool, database_url: str | None, data_dir: str | None) -> None:
    """Compare every challenger with the active model now (auto-optimize); promote a clear
    winner. Tab-separated: one row per challenger, lifts over the champion with their 95%
    intervals (paired bootstrap); the last line says what changed."""
    from nba.learning.optimizer import lift_in_words, outcome_in_words

    def work(runtime: Runtime) -> list[Optimization]:
        return runtime.optimizer.history() if history else [runtime.optimizer.run(actor=CLI)]

    for found in _with_runtime(database_url, data_dir, work):
        champion = found.champion_version if found.champion_version is not None else "-"
        click.echo(f"# {iso_utc(found.computed_at)}: {found.rows} held-out decisions, "
                   f"champion version {champion}")  # fmt: skip
        click.echo("\t".join(OPTIMIZE_HEADER))
        for r in found.results:
            ess = r.get("ess")
            cells = (r["name"], r.get("policy", "-"), r.get("learned", "-"),
                     lift_in_words(r, "snips"), lift_in_words(r, "dr"),
                     f"{ess:.0f}" if isinstance(ess, float) else "-", r["verdict"])  # fmt: skip
            click.echo("\t".join(str(c) for c in cells))
        click.echo(outcome_in_words(found))
