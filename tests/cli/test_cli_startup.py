"""`nba` starts light: commands import only what they use, and log only warnings unless -v.

Which modules a command imports is checked here; how many seconds it takes is measured by
`benchmarks/cli_startup.py`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nba.cli import COMMANDS, load_command, log_level

HEAVY = ("pandas", "matplotlib", "vowpal_wabbit_next", "sqlalchemy", "alembic", "flask",
         "gunicorn", "numpy", "pydantic", "api", "simulator", "nba.runtime")  # fmt: skip
# Runs `nba ARGS` and prints, last on stderr, which of HEAVY it imported.
PROBE = (
    "import json, sys\n"
    "from nba.cli import main\n"
    "try:\n"
    "    main(sys.argv[2:])\n"
    "finally:\n"
    "    heavy = json.loads(sys.argv[1])\n"
    "    print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)\n"
)


def _nba(*args: str, folder: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NBA_DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY), *args],
        capture_output=True, text=True, timeout=120, cwd=folder,
        env={**env, "NBA_DATA_DIR": str(folder / "data")},
    )  # fmt: skip


def _imported(done: subprocess.CompletedProcess[str]) -> list[str]:
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--version"], ["--help"]], ids=lambda a: a[0])
def test_version_and_help_import_none_of_the_heavy_modules(tmp_path, args):
    done = _nba(*args, folder=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _imported(done) == []


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose database exists (at head) after one `nba offers list`."""
    made = tmp_path_factory.mktemp("startup")
    assert _nba("offers", "list", folder=made).returncode == 0
    return made


def test_offers_list_imports_no_pandas_plots_learner_or_migrations_and_logs_nothing(folder):
    done = _nba("offers", "list", folder=folder)
    assert done.returncode == 0, done.stderr
    assert "no_action" in done.stdout
    used = set(_imported(done))
    assert used <= {"sqlalchemy", "numpy", "pydantic"}, used
    assert done.stderr.strip().splitlines()[:-1] == []  # no log line, only the probe's


def test_help_lists_every_command_with_the_summary_of_its_docstring():
    for name, (_, summary) in COMMANDS.items():
        assert load_command(name).get_short_help_str(limit=1000) == summary, name


def test_v_shows_info_lines(folder):
    done = _nba("-v", "offers", "list", folder=folder)
    lines = done.stderr.strip().splitlines()[:-1]
    entries = [json.loads(line) for line in lines]
    assert "database schema at head" in " ".join(e["message"] for e in entries)
    assert {e["level"] for e in entries} == {"INFO"}


@pytest.mark.parametrize(
    ("verbose", "command", "level"),
    [
        (0, "offers", logging.WARNING),
        (1, "offers", logging.INFO),
        (2, "offers", logging.DEBUG),
        (0, "serve", logging.INFO),
        (0, "worker", logging.INFO),
        (2, "serve", logging.DEBUG),
        (0, None, logging.WARNING),
    ],
)
def test_log_level_is_warning_unless_verbose_or_a_service(verbose, command, level):
    assert log_level(verbose, command) == level
