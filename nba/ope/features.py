"""The reward model's numeric features of a log's contexts, encoded by one plan for the log.

The features are the churn score and each context field: a numeric field as it is (a missing
number becomes the field's mean), a text field one-hot over its 20 most common values (ties
by value). The plan (`FeaturePlan`) is made from counts that add across parts of the log
(`FieldCounts`), so each partition of a log on a cluster encodes its rows as the whole log
would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nba.ope.batch import FloatArray

TOP_CATEGORIES = 20
_CHURN = "churn_score"


@dataclass(frozen=True, slots=True)
class FeatureColumn:
    """One field: numeric (missing values become `fill`) or text (one-hot over `values`)."""

    name: str
    is_numeric: bool
    fill: float = 0.0
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeaturePlan:
    """The fields in order and how each becomes columns of the feature matrix."""

    columns: tuple[FeatureColumn, ...]


@dataclass(slots=True)
class FieldCounts:
    """Per field, in order of first appearance: non-null values, numeric ones, their sum."""

    present: dict[str, int] = field(default_factory=dict)
    numeric: dict[str, int] = field(default_factory=dict)
    total: dict[str, float] = field(default_factory=dict)

    def add(self, other: FieldCounts) -> FieldCounts:
        """These counts followed by `other`'s (field order: this part's first)."""
        out = FieldCounts(dict(self.present), dict(self.numeric), dict(self.total))
        for name, count in other.present.items():
            out.present[name] = out.present.get(name, 0) + count
            out.numeric[name] = out.numeric.get(name, 0) + other.numeric[name]
            out.total[name] = out.total.get(name, 0.0) + other.total[name]
        return out

    def text_fields(self) -> list[str]:
        """The fields encoded as text: any non-numeric value, or no number at all."""
        return [n for n in self.present if not _is_numeric(self, n)]


def context_table(
    contexts: Sequence[Mapping[str, object]], churn_score: FloatArray
) -> pd.DataFrame:
    """The fields of each row (object columns, so every part reads a value the same way)."""
    table = pd.DataFrame(list(contexts), index=range(len(contexts)), dtype=object)
    table = table.drop(columns=[c for c in table.columns if c == _CHURN])
    table.insert(0, _CHURN, pd.Series(churn_score, dtype=object))
    return table


def field_counts(table: pd.DataFrame) -> FieldCounts:
    """The counts of one part's table."""
    counts = FieldCounts()
    for name in table.columns:
        values = table[name]
        numeric = pd.to_numeric(values, errors="coerce")
        counts.present[str(name)] = int(values.notna().sum())
        counts.numeric[str(name)] = int(numeric.notna().sum())
        counts.total[str(name)] = float(numeric.sum())
    return counts


def text_counts(table: pd.DataFrame, names: Iterable[str]) -> Counter[tuple[str, str]]:
    """(field, value) -> rows, for the text fields `names` of one part's table."""
    out: Counter[tuple[str, str]] = Counter()
    for name in names:
        if name in table.columns:
            for value, count in table[name].dropna().astype("string").value_counts().items():
                out[(name, str(value))] += int(count)
    return out


def make_plan(counts: FieldCounts, texts: Counter[tuple[str, str]]) -> FeaturePlan:
    """The plan of a log from its summed counts."""
    columns = []
    for name in counts.present:
        if _is_numeric(counts, name):
            fill = counts.total[name] / counts.numeric[name]
            columns.append(FeatureColumn(name, True, fill=fill))
            continue
        ranked = sorted(((-c, v) for (f, v), c in texts.items() if f == name))
        values = tuple(v for _, v in ranked[:TOP_CATEGORIES])
        columns.append(FeatureColumn(name, False, values=values))
    return FeaturePlan(tuple(columns))


def plan_of(table: pd.DataFrame) -> FeaturePlan:
    """The plan of a whole log held in one table."""
    counts = field_counts(table)
    return make_plan(counts, text_counts(table, counts.text_fields()))


def encode(table: pd.DataFrame, plan: FeaturePlan) -> FloatArray:
    """The (rows, columns) feature matrix of a table under `plan`."""
    n = len(table)
    columns: list[FloatArray] = []
    for column in plan.columns:
        present = column.name in table.columns
        values = table[column.name] if present else pd.Series([None] * n, dtype=object)
        if column.is_numeric:
            numeric = pd.to_numeric(values, errors="coerce").astype(np.float64)
            columns.append(np.asarray(numeric.fillna(column.fill), dtype=np.float64))
            continue
        text = values.astype("string")
        for value in column.values:
            columns.append(np.asarray((text == value).fillna(False), dtype=np.float64))
    return np.column_stack(columns) if columns else np.zeros((n, 0))


def _is_numeric(counts: FieldCounts, name: str) -> bool:
    return counts.numeric[name] >= counts.present[name] and counts.numeric[name] > 0
