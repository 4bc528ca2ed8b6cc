"""The output file, built from one part per batch so that a crashed run can continue.

A part is written (to a temporary name, then renamed) before its batch's decisions are
committed; a batch redone after a crash writes the same part again. The parts are joined in
batch order into the output (Parquet, or CSV by its extension), one part in memory at a time.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from nba.campaigns.reading import BadRow
from nba.campaigns.records import OUTPUT_SCHEMA


def parts_folder(out: str) -> Path:
    """Where the parts of `out` are kept until it is complete."""
    return Path(f"{out}.parts")


def part_path(out: str, index: int) -> Path:
    return parts_folder(out) / f"part-{index:06d}.parquet"


def write_part(out: str, index: int, table: pa.Table) -> None:
    """Write one batch's part atomically."""
    path = part_path(out, index)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def parts(out: str) -> Iterator[pa.Table]:
    """The parts in batch order."""
    for path in sorted(parts_folder(out).glob("part-*.parquet")):
        yield pq.read_table(path, schema=OUTPUT_SCHEMA)


def join_parts(out: str) -> Iterator[pa.Table]:
    """Write the output from the parts (yielding each part as it goes in), then drop them."""
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    if target.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        with pacsv.CSVWriter(str(temporary), OUTPUT_SCHEMA) as csv_writer:
            for table in parts(out):
                csv_writer.write_table(table)
                yield table
    else:
        with pq.ParquetWriter(str(temporary), OUTPUT_SCHEMA) as writer:
            for table in parts(out):
                writer.write_table(table)
                yield table
    os.replace(temporary, target)
    shutil.rmtree(parts_folder(out), ignore_errors=True)


def bad_rows_path(out: str) -> Path:
    """Where the bad rows of the campaign writing `out` are listed."""
    return Path(f"{out}.bad_rows.csv")


def write_bad_rows(out: str, bad: Sequence[BadRow]) -> Path:
    """List every bad row (row, customer_id, field, problem) in a CSV file next to `out`."""
    path = bad_rows_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "customer_id", "field", "problem"])
        for b in bad:
            writer.writerow([b.row, b.customer_id or "", b.field, b.problem])
    return path
