"""How long `nba` commands take from the shell: start-up, imports, one database query.

Run: `python benchmarks/cli_startup.py [--repeat 9] [--tree PATH]`.
Each command runs `--repeat` times in a fresh `python -m nba` subprocess (after one warm-up run
that compiles the bytecode and creates the database), on a fresh SQLite database in a scratch
folder, with this checkout (or `--tree`, another one: say `git archive COMMIT | tar -x -C DIR`
to measure the code before a change) first on PYTHONPATH. It prints the median, the fastest and the
slowest wall time, the median as a ratio to `python -c pass` (the interpreter alone), and the
target of issue 13 (`--version` and `--help` < 0.5 s, `offers list` < 1.5 s).
The test `tests/cli/test_cli_startup.py` checks which modules a command imports; the seconds
live here.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
TARGETS_S = {"--version": 0.5, "--help": 0.5, "offers list": 1.5}


def _timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


@click.command()
@click.option("--repeat", type=click.IntRange(min=1), default=9, show_default=True)
@click.option(
    "--tree",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=ROOT,
    help="The checkout whose nba is measured (default: this one).",
)
def main(repeat: int, tree: Path) -> None:
    """Time each command `repeat` times in subprocesses and print a table."""
    click.echo(f"nba from {tree.resolve()}")
    with tempfile.TemporaryDirectory(prefix="nba-cli-bench-") as scratch:
        folder = Path(scratch)
        env = {**os.environ, "PYTHONPATH": str(tree), "NBA_DATA_DIR": str(folder / "data")}
        env.pop("NBA_DATABASE_URL", None)
        nba = [sys.executable, "-m", "nba"]
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "--version": [*nba, "--version"],
            "--help": [*nba, "--help"],
            "offers list": [*nba, "offers", "list"],
            "models list": [*nba, "models", "list"],
            "keys list": [*nba, "keys", "list"],
        }
        for args in commands.values():
            _timed(args, folder, env)  # warm-up: bytecode, the database and its migrations
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeat):  # interleaved, so that a busy moment hits every command alike
            for name, args in commands.items():
                times[name].append(_timed(args, folder, env))
    base = statistics.median(times["python -c pass"])
    click.echo(f"{'command':<16} {'median s':>9} {'min s':>7} {'max s':>7} {'ratio':>7}  target")
    for name, seconds in times.items():
        median = statistics.median(seconds)
        label = name if name.startswith("python") else f"nba {name}"
        target = TARGETS_S.get(name)
        met = "met" if target is not None and median < target else "NOT met"
        verdict = "" if target is None else f"< {target} s: {met}"
        click.echo(
            f"{label:<16} {median:9.2f} {min(seconds):7.2f} {max(seconds):7.2f} "
            f"{median / base:6.1f}x  {verdict}"
        )
    click.echo(
        f"{repeat} runs each; ratio = median / median of `python -c pass`; load average "
        f"{os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
