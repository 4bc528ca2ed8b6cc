"""Customers from a Parquet or CSV file, in batches, each row checked (bad rows by number).

A row needs `customer_id` (text, not empty) and `churn_score` (a number in [0, 1]); every
other column is a context field (numbers, text, booleans; empty means missing). A file
without one of the two columns is refused whole. CSV is read as text and numbers are
recognised per value, so a column's type never depends on which block pyarrow looked at.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from nba.errors import InvalidInput

REQUIRED = ("customer_id", "churn_score")
ContextValue = float | int | str | bool


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that cannot be assigned: its number (0 is the first data row), field, problem."""

    row: int
    field: str
    problem: str
    customer_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "customer_id": self.customer_id,
            "field": self.field,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class CustomerBatch:
    """The good rows of one batch: their row numbers, ids, churn scores and contexts."""

    rows: npt.NDArray[np.int64]
    customer_ids: list[str]
    churn_scores: npt.NDArray[np.float64]
    contexts: list[tuple[tuple[str, ContextValue], ...]]

    @property
    def size(self) -> int:
        return len(self.customer_ids)

    def take(self, keep: npt.NDArray[np.bool_]) -> CustomerBatch:
        """The rows where `keep` is true."""
        index = np.flatnonzero(keep)
        return CustomerBatch(
            rows=self.rows[index],
            customer_ids=[self.customer_ids[i] for i in index],
            churn_scores=self.churn_scores[index],
            contexts=[self.contexts[i] for i in index],
        )


def count_rows(path: str) -> int:
    """How many data rows the file has (Parquet: from its footer)."""
    if _is_parquet(path):
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with _open_text(path) as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def read_batches(path: str, batch_size: int) -> Iterator[tuple[int, pa.RecordBatch]]:
    """The file's batches of at most `batch_size` rows, each with its first row's number."""
    first = 0
    for batch in _raw_batches(path, batch_size):
        for start in range(0, batch.num_rows, batch_size):
            part = batch.slice(start, batch_size)
            yield first, part
            first += part.num_rows


def checked(batch: pa.RecordBatch, first_row: int) -> tuple[CustomerBatch, list[BadRow]]:
    """The batch's good rows as a CustomerBatch, and its bad rows with why."""
    names = batch.schema.names
    for column in REQUIRED:
        if column not in names:
            raise InvalidInput(column, f"the file has no {column!r} column (it has {names})")
    rows: list[int] = []
    ids: list[str] = []
    churns: list[float] = []
    contexts: list[tuple[tuple[str, ContextValue], ...]] = []
    bad: list[BadRow] = []
    fields = [n for n in names if n not in REQUIRED]
    for offset, record in enumerate(batch.to_pylist()):
        row = first_row + offset
        customer = record["customer_id"]
        if isinstance(customer, int) and not isinstance(customer, bool):
            customer = str(customer)
        if not isinstance(customer, str) or not customer.strip():
            bad.append(BadRow(row, "customer_id", f"must be a non-empty text, got {customer!r}"))
            continue
        churn, problem = _churn(record["churn_score"])
        if problem:
            bad.append(BadRow(row, "churn_score", problem, customer))
            continue
        context: list[tuple[str, ContextValue]] = []
        for name in fields:
            value, problem = _value(record[name])
            if problem:
                bad.append(BadRow(row, name, problem, customer))
                break
            if value is not None:
                context.append((name, value))
        else:
            rows.append(row)
            ids.append(customer)
            churns.append(churn)
            contexts.append(tuple(context))
    good = CustomerBatch(
        rows=np.asarray(rows, dtype=np.int64),
        customer_ids=ids,
        churn_scores=np.asarray(churns, dtype=np.float64),
        contexts=contexts,
    )
    return good, bad


def _churn(value: object) -> tuple[float, str]:
    if isinstance(value, str):
        value = _number(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0, f"must be a number in [0, 1], got {value!r}"
    churn = float(value)
    if not 0.0 <= churn <= 1.0:  # NaN fails too
        return 0.0, f"must be a number in [0, 1], got {value!r}"
    return churn, ""


def _value(value: object) -> tuple[ContextValue | None, str]:
    """A context value as the learners take it, or why it cannot be one."""
    if value is None or isinstance(value, bool):
        return value, ""
    if isinstance(value, str):
        if value == "":
            return None, ""
        number = _number(value)
        value = value if number is None else number
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > 1e9:
            return None, f"must be a finite number within ±1e9, got {value!r}"
        return value, ""
    if isinstance(value, str):
        return value, ""
    return None, f"must be a number, a text or a boolean, got {type(value).__name__}"


def _number(text: str) -> float | int | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _is_parquet(path: str) -> bool:
    return Path(path).suffix.lower() in (".parquet", ".pq")


def _open_text(path: str) -> TextIO:
    return open(path, newline="", encoding="utf-8")


def _raw_batches(path: str, batch_size: int) -> Iterator[pa.RecordBatch]:
    if not Path(path).is_file():
        raise InvalidInput("input", f"{path}: no such file")
    if _is_parquet(path):
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(path).iter_batches(batch_size=batch_size)
        return
    import pyarrow.csv as pacsv

    with _open_text(path) as handle:
        header = next(csv.reader(handle), None)
    if not header:
        raise InvalidInput("input", f"{path}: the CSV file has no header line")
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=1 << 22),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in header},
            strings_can_be_null=False,
        ),
    )
    yield from reader
