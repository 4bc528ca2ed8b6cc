"""`nba export` writes where it is told: --out PATH (never over a file unless --force) or stdout."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from nba.cli import main


@pytest.fixture
def nba(tmp_path):
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(main, [*args, "--data-dir", str(tmp_path / "data")])

    run("decide", "--customer", "c1", "--churn", "0.7")
    return run


def test_export_without_a_file_writes_csv_to_stdout_and_nothing_to_the_folder(
    nba, tmp_path, monkeypatch
):
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    result = nba("export")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.BytesIO(result.stdout_bytes))
    assert list(frame["customer_id"]) == ["c1"]
    assert list(here.iterdir()) == []


def test_export_refuses_to_overwrite_a_file_unless_forced(nba, tmp_path):
    out = tmp_path / "log.parquet"
    out.write_bytes(b"keep me")
    refused = nba("export", "--out", str(out))
    assert refused.exit_code == 4
    assert f"{out} exists: pass --force to overwrite it" in refused.stderr
    assert out.read_bytes() == b"keep me"
    forced = nba("export", "--out", str(out), "--force")
    assert forced.exit_code == 0 and forced.stdout.strip() == str(out)
    assert list(pd.read_parquet(out)["customer_id"]) == ["c1"]


def test_export_to_a_file_named_as_an_argument_still_works(nba, tmp_path):
    out = tmp_path / "log.csv"
    result = nba("export", str(out))
    assert result.exit_code == 0 and result.stdout.strip() == str(out)
    assert nba("export", str(out)).exit_code == 4
