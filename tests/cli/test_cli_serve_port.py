"""`nba serve` on a port another process listens on says so in one line and exits at once."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from nba.cli import main
from nba.cli._common import EXIT_CODES
from nba.errors import Conflict


def test_serve_on_a_port_in_use_says_what_to_do_and_exits_with_the_conflict_code(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--port", str(port), "--data-dir", str(tmp_path)]
        )
    assert result.exit_code == EXIT_CODES[Conflict] == 4
    assert result.stderr.splitlines() == [
        f"Error: port {port} is in use on 127.0.0.1: stop the other service or pass --port N "
        "(or set NBA_PORT)"
    ]
    assert "serving on" not in result.output


def test_serve_on_a_host_that_is_no_address_of_this_machine_is_refused(tmp_path):
    result = CliRunner().invoke(
        main, ["serve", "--host", "192.0.2.1", "--port", "8000", "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Error: host: cannot listen on 192.0.2.1:8000" in result.stderr
