"""`nba demo` removes its temporary folder when done, failed or interrupted, unless --keep."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each run starts a gunicorn service


def _demo(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("NBA_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "nba", "demo", *args], cwd=tmp_path, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def _folders(tmp_path: Path) -> list[Path]:
    """The demo's temporary folders (its HTML report, nba-demo-report.html, is no folder)."""
    return sorted(p for p in tmp_path.glob("nba-demo-*") if p.is_dir())


def _interrupt_once_serving(demo: subprocess.Popen[str]) -> tuple[int, str]:
    """Ctrl-C (SIGINT to the process group, as a terminal does) once the service answers."""
    assert demo.stderr is not None
    seen = []
    for line in demo.stderr:
        seen.append(line)
        if found := re.search(r"nba service on http://127\.0\.0\.1:(\d+)", line):
            os.killpg(demo.pid, signal.SIGINT)
            rest = demo.communicate(timeout=120)[1]
            return int(found.group(1)), "".join(seen) + rest
    raise AssertionError("the demo never served:\n" + "".join(seen))


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_demo_removes_its_temporary_folder_when_done(tmp_path):
    demo = _demo(tmp_path, "--steps", "20")
    out, err = demo.communicate(timeout=240)
    assert demo.returncode == 0, err
    assert "Overall acceptance" in out
    assert _folders(tmp_path) == []


def test_an_interrupted_demo_stops_its_service_and_removes_its_folder(tmp_path):
    demo = _demo(tmp_path, "--steps", "100000")
    port, err = _interrupt_once_serving(demo)
    assert demo.returncode != 0
    assert _folders(tmp_path) == [], err
    assert not _listening(port)


def test_demo_keep_keeps_the_folder_and_says_where(tmp_path):
    demo = _demo(tmp_path, "--steps", "100000", "--keep")
    _, err = _interrupt_once_serving(demo)
    (folder,) = _folders(tmp_path)
    assert f"kept the demo's database and service log in {folder}" in err
    assert (folder / "nba.db").exists() and (folder / "service.log").exists()
