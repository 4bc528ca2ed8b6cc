"""`nba demo` over real HTTP writes its HTML summary where the user can find it, and says where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_writes_its_report_in_the_working_folder_and_prints_the_path(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "nba", "demo", "--steps", "150"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = tmp_path / "nba-demo-report.html"
    assert done.stdout.strip().splitlines()[-1] == f"report: {report}"
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 2 and "What the learner did, band by band" in page
    assert "150 simulated customers" in page
