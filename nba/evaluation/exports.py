"""The decision log in DESIGN.md's schema, as a DataFrame or Parquet / CSV bytes."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from nba.errors import InvalidInput
from nba.logschema import write_log
from nba.storage import Database, decisions

FORMATS = ("parquet", "csv")


def decision_log(
    database: Database,
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
) -> pd.DataFrame:
    """One row per decision in [start, end), with reward and acceptance when known."""
    if start and end and start >= end:
        raise InvalidInput("to", "must be after from")
    with database.session(readonly=True) as session:
        return decisions.log_frame(session, start=start, end=end, channel=channel)


def export_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """Serialise a decision log as Parquet or CSV (lists as JSON text)."""
    if fmt not in FORMATS:
        raise InvalidInput("format", f"must be one of {', '.join(FORMATS)}, got {fmt!r}")
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = write_log(frame, Path(folder) / f"log.{fmt}")
        return path.read_bytes()
