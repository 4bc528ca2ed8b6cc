"""VW's scores of every offer for a whole batch at once, as the affine function they are.

With interactions of at most one shared feature per term (`-q sa`, the default), VW's
predicted reward of an offer is b[a] + sum_f x_f c[f, a] over the customer's shared features
f: the offer's terms do not change from one customer to the next. `LinearScorer` reads b
from VW with an empty context and each c[f] with a context of f alone (one VW prediction per
distinct feature name, as names appear), then scores a batch with numpy. It is checked
against VW's own scores on the first customers it meets (`check`); a model it cannot
reproduce (shared-by-shared interactions, clipped scores) is left to the per-customer path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import vowpal_wabbit_next as vw

from policies.base import Candidate
from policies.encoding import action_line, churn_decile, name_token, token
from policies.vw.predictions import predict, tree_scores

FloatArray = npt.NDArray[np.float64]
Row = tuple[tuple[str, float | int | str | bool], ...]

TOLERANCE = 1e-4
"""The largest difference from VW's own score accepted (VW computes in float32)."""


class LinearScorer:
    """Scores (n, offers) of customers from a VW model's bytes, with numpy."""

    def __init__(self, vw_model: bytes, exploration: str, candidates: Sequence[Candidate]) -> None:
        self._workspace = vw.Workspace(model_data=vw_model, enable_debug_tree=True)
        self._parser = vw.TextFormatParser(self._workspace)
        self._exploration = exploration
        self._actions = [action_line(c) for c in candidates]
        self._k = len(candidates)
        self._rows: dict[object, int] = {}
        self._coefficients: list[FloatArray] = []
        self._base = self._probe("")

    def scores(self, churn_scores: Sequence[float], contexts: Sequence[Row]) -> FloatArray:
        """Each customer's predicted reward of each offer (before any clipping)."""
        columns: list[int] = []
        values: list[float] = []
        counts: list[int] = []
        index = self._rows
        churn_row = self._numeric("\0churn")
        for churn, context in zip(churn_scores, contexts, strict=True):
            for key, value in context:
                kind = type(value)
                if kind is float or kind is int:
                    j = index.get(key)
                    columns.append(self._numeric(key) if j is None else j)
                    values.append(float(value))
                else:
                    j = index.get((key, value, kind is bool))
                    columns.append(self._categorical(key, value) if j is None else j)
                    values.append(1.0)
            j = index.get(("\0churn_dec", churn_decile(churn), False))
            columns += (
                churn_row,
                self._categorical("\0churn_dec", churn_decile(churn)) if j is None else j,
            )
            values += (churn, 1.0)
            counts.append(len(context) + 2)
        n = len(counts)
        if n == 0:
            return np.zeros((0, self._k))
        table = np.asarray(self._coefficients)
        parts = table[np.asarray(columns)] * np.asarray(values, dtype=np.float64)[:, None]
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        return np.add.reduceat(parts, starts, axis=0) + self._base

    def column_scores(
        self,
        churn_scores: npt.NDArray[np.float64],
        columns: Mapping[str, Sequence[object]],
    ) -> FloatArray:
        """The same as `scores`, from the context values by field: numbers times their
        coefficients, text and booleans by their value's coefficients, a column at a time."""
        n = len(churn_scores)
        out = np.tile(self._base, (n, 1))
        out += churn_scores[:, None] * self._coefficients[self._numeric("\0churn")]
        deciles = np.minimum((churn_scores * 10).astype(np.int64), 9)
        out += self._by_value(deciles.tolist(), "\0churn_dec")
        for field, values in columns.items():
            kinds = set(map(type, values)) - {type(None)}
            if kinds <= {int, float}:
                x = np.array([0.0 if v is None else v for v in values], dtype=np.float64)
                if kinds:
                    j = self._numeric(field)  # may add a coefficient: index before reading
                    out += x[:, None] * self._coefficients[j]
            elif int in kinds or float in kinds:  # numbers and text in one column (CSV)
                for i, value in enumerate(values):
                    if type(value) is float or type(value) is int:
                        out[i] += float(value) * self._coefficients[self._numeric(field)]
                    elif value is not None:
                        out[i] += self._coefficients[self._categorical(field, value)]
            else:
                out += self._by_value(values, field)
        return out

    def _by_value(self, values: Sequence[object], field: str) -> FloatArray:
        """Each row's coefficients for its categorical value (0 where missing)."""
        codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), use_na_sentinel=True)
        rows = [self._categorical(field, value) for value in uniques.tolist()]
        table = np.vstack([np.asarray(self._coefficients)[rows], np.zeros((1, self._k))])
        return np.asarray(table[np.where(codes < 0, len(rows), codes)], dtype=np.float64)

    def check(
        self,
        expected: FloatArray,
        churn_scores: npt.NDArray[np.float64],
        contexts: Sequence[Row],
        columns: Mapping[str, Sequence[object]] | None = None,
    ) -> float:
        """The largest difference between these scores and `expected` (VW's, same rows),
        by field when `columns` are given, else row by row."""
        if columns is None:
            got = self.scores(churn_scores.tolist(), contexts)
        else:
            got = self.column_scores(churn_scores, columns)
        finite = np.isfinite(expected)
        return float(np.abs(got - expected)[finite].max()) if finite.any() else 0.0

    def _numeric(self, key: str) -> int:
        j = self._rows.get(key)
        if j is None:
            name = "churn" if key == "\0churn" else name_token(key)
            j = self._add(key, f"{name}:1")
        return j

    def _categorical(self, key: str, value: object) -> int:
        ident = (key, value, type(value) is bool)
        j = self._rows.get(ident)
        if j is None:
            if key == "\0churn_dec":
                name = f"churn_dec={value}"
            elif isinstance(value, bool):
                name = f"{name_token(key)}={'true' if value else 'false'}"
            else:
                name = f"{name_token(key)}={token(str(value))}"
            j = self._add(ident, name)
        return j

    def _add(self, ident: object, feature: str) -> int:
        self._coefficients.append(self._probe(feature) - self._base)
        j = self._rows[ident] = len(self._coefficients) - 1
        return j

    def _probe(self, features: str) -> FloatArray:
        lines = [f"shared |s {features}".rstrip(), *self._actions]
        examples = [self._parser.parse_line(line) for line in lines]
        _, tree = predict(self._workspace, examples)
        if tree is None:
            raise RuntimeError("VW gave no debug tree")
        return tree_scores(tree, self._k, self._exploration)
