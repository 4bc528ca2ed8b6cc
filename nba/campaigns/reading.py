"""Customers from a Parquet or CSV file, in batches, each row checked (bad rows by number).

A row needs `customer_id` (text, not empty) and `churn_score` (a number in [0, 1]); every
other column is a context field (numbers, text, booleans; empty means missing). A file
without one of the two columns is refused whole. CSV is read as text and numbers are
recognised per value (in any file whose every column is text), so a column's type never
depends on which block pyarrow looked at.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
import pandas as pd
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
    """The good rows of one batch: their row numbers, ids, churn scores and contexts.

    `columns` holds the same context values by field (None: missing), for scoring a whole
    batch at once; batches built by hand may leave it out.
    """

    rows: npt.NDArray[np.int64]
    customer_ids: list[str]
    churn_scores: npt.NDArray[np.float64]
    contexts: list[tuple[tuple[str, ContextValue], ...]]
    columns: dict[str, list[ContextValue | None]] | None = None

    @property
    def size(self) -> int:
        return len(self.customer_ids)

    def take(self, keep: npt.NDArray[np.bool_]) -> CustomerBatch:
        """The rows where `keep` is true."""
        index = np.flatnonzero(keep)
        at = index.tolist()
        return CustomerBatch(
            rows=self.rows[index],
            customer_ids=[self.customer_ids[i] for i in at],
            churn_scores=self.churn_scores[index],
            contexts=[self.contexts[i] for i in at],
            columns=None
            if self.columns is None
            else {f: [values[i] for i in at] for f, values in self.columns.items()},
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
    """The batch's good rows as a CustomerBatch, and its bad rows with why (the first problem
    of each). Columns are checked at once; values become Python values once, by column."""
    names = batch.schema.names
    for column in REQUIRED:
        if column not in names:
            raise InvalidInput(column, f"the file has no {column!r} column (it has {names})")
    n = batch.num_rows
    problems: dict[int, tuple[str, str]] = {}
    ids = _customer_ids(batch.column(names.index("customer_id")), problems)
    churn = _churn_scores(batch.column(names.index("churn_score")), problems)
    fields = [name for name in names if name not in REQUIRED]
    # CSV is read as text: numbers are recognised in a file whose every column is text.
    texts = all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in batch.schema.types)
    columns = [
        _context_values(batch.column(names.index(f)), f, problems, numbers_in_text=texts)
        for f in fields
    ]
    rows = zip(*columns, strict=True) if columns else ((),) * n
    contexts = [
        tuple([(f, v) for f, v in zip(fields, row, strict=True) if v is not None]) for row in rows
    ]
    bad = [
        BadRow(first_row + i, field, problem, ids[i] or None)
        for i, (field, problem) in sorted(problems.items())
    ]
    by_field = dict(zip(fields, columns, strict=True))
    good = CustomerBatch(
        rows=np.arange(first_row, first_row + n, dtype=np.int64),
        customer_ids=ids,
        churn_scores=churn,
        contexts=contexts,
        columns=by_field,
    )
    if problems:
        keep = np.ones(n, dtype=bool)
        keep[list(problems)] = False
        good = good.take(keep)
    return good, bad


def customer_ids_of(batch: pa.RecordBatch) -> list[str]:
    """The batch's customer ids as `checked` reads them (bad ones as ""), before any check."""
    names = batch.schema.names
    if "customer_id" not in names:
        return []
    return _customer_ids(batch.column(names.index("customer_id")), {})


def _customer_ids(column: pa.Array, problems: dict[int, tuple[str, str]]) -> list[str]:
    if pa.types.is_integer(column.type):
        column = column.cast(pa.string())
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        for i, value in enumerate(column.to_pylist()):
            problems.setdefault(i, ("customer_id", f"must be a non-empty text, got {value!r}"))
        return [""] * len(column)
    ids = column.to_pylist()
    for i, value in enumerate(ids):
        if value is None or not value.strip():
            problems.setdefault(i, ("customer_id", f"must be a non-empty text, got {value!r}"))
    return [v or "" for v in ids]


def _churn_scores(column: pa.Array, problems: dict[int, tuple[str, str]]) -> np.ndarray:
    raw = column.to_pylist()
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values = np.asarray(column.cast(pa.float64()).fill_null(np.nan), dtype=np.float64)
    elif pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        values = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(float)
    else:
        values = np.full(len(raw), np.nan)
    bad = ~((values >= 0.0) & (values <= 1.0))  # NaN fails too
    for i in np.flatnonzero(bad).tolist():
        problems.setdefault(i, ("churn_score", f"must be a number in [0, 1], got {raw[i]!r}"))
    return np.where(bad, 0.0, values)


def _context_values(
    column: pa.Array,
    field: str,
    problems: dict[int, tuple[str, str]],
    *,
    numbers_in_text: bool,
) -> list[ContextValue | None]:
    """A context column as Python values (None: missing); bad values noted in `problems`."""
    kind = column.type
    if pa.types.is_boolean(kind):
        return list(column.to_pylist())
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        values = column.to_pylist()
        _check_numbers(
            np.asarray(column.cast(pa.float64()).fill_null(0.0), dtype=np.float64),
            values, field, problems,
        )  # fmt: skip
        return list(values)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if not numbers_in_text:
            return [None if t == "" else t for t in column.to_pylist()]
        return _text_values(column.to_pylist(), field, problems)
    for i in np.flatnonzero(np.asarray(column.is_valid())).tolist():
        problems.setdefault(i, (field, f"must be a number, a text or a boolean, got {kind}"))
    return [None] * len(column)


def _text_values(
    texts: list[str | None], field: str, problems: dict[int, tuple[str, str]]
) -> list[ContextValue | None]:
    """Text as it is, numbers where the text is one (CSV gives every value as text)."""
    series = pd.Series(texts, dtype=object)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64)
    is_number = ~np.isnan(numbers)
    if not is_number.any():
        return [None if t == "" else t for t in texts]
    is_int = series.str.fullmatch(r"[+-]?\d{1,15}").fillna(False).to_numpy(dtype=bool)
    values: list[ContextValue | None] = [None if t == "" else t for t in texts]
    for i in np.flatnonzero(is_number).tolist():
        values[i] = int(numbers[i]) if is_int[i] else float(numbers[i])
    _check_numbers(np.where(is_number, numbers, 0.0), values, field, problems)
    return values


def _check_numbers(
    numbers: np.ndarray,
    values: list[Any],
    field: str,
    problems: dict[int, tuple[str, str]],
) -> None:
    bad = ~(np.abs(numbers) <= 1e9)  # NaN and inf fail too
    for i in np.flatnonzero(bad).tolist():
        problems.setdefault(i, (field, f"must be a finite number within ±1e9, got {values[i]!r}"))


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
