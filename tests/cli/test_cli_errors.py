"""The `nba` group maps nba's errors once, for every command: message on stderr, exit code."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
from click.testing import CliRunner

import nba.errors
import policies
from nba.cli import main
from nba.cli._common import EXIT_CODES
from nba.config import Settings
from nba.storage import Database, models


def test_a_command_raising_not_found_exits_3_with_the_message_on_stderr(tmp_path):
    result = CliRunner().invoke(main, ["models", "activate", "9", "--data-dir", str(tmp_path)])
    assert result.exit_code == 3
    assert "Error: model version '9' not found" in result.stderr
    assert result.stdout == ""


COMMANDS = [
    ["serve"],
    ["worker", "--once"],
    ["keys", "list"],
    ["decide", "--customer", "c", "--churn", "1"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: args[0])
def test_every_command_refuses_an_unknown_nba_variable_naming_it(tmp_path, args):
    result = CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)], env={"NBA_PROT": "9"})
    assert result.exit_code == 6
    assert "NBA_PROT: unknown setting in the environment; did you mean NBA_PORT?" in result.stderr


def test_activating_a_corrupt_model_exits_7_naming_the_bytes(tmp_path):
    database = Database(Settings(data_dir=tmp_path).database.resolved_url)
    database.upgrade()
    with database.session() as session:
        models.add_model_version(session, "vw", {}, b"not a model", None, activate=False)
    database.dispose()
    result = CliRunner().invoke(main, ["models", "activate", "1", "--data-dir", str(tmp_path)])
    assert result.exit_code == 7 and "Error: data: " in result.stderr


@pytest.mark.parametrize("module", [nba.errors, policies], ids=lambda m: m.__name__)
def test_every_error_class_of_nba_and_policies_has_an_exit_code(module):
    classes = [
        value
        for _, value in inspect.getmembers(module, inspect.isclass)
        if issubclass(value, Exception) and value.__module__.startswith(module.__name__)
    ]
    assert [cls for cls in classes if cls not in EXIT_CODES] == []


def test_a_broken_import_of_a_command_fails_loudly_and_keeps_it_listed():
    # `simulate` imports the simulator when it runs; a broken one must not remove the command.
    code = (
        "import sys; sys.modules['simulator'] = None; from nba.cli import main; main(sys.argv[1:])"
    )
    run = [sys.executable, "-c", code]
    listed = subprocess.run([*run, "--help"], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "simulate" in listed.stdout
    done = subprocess.run([*run, "simulate"], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "import of simulator halted" in done.stderr
