"""The logged-data schema of DESIGN.md: one row per decision, shared by export, OPE and simulator.

Columns: decision_id, ts, customer_id, churn_score, context (JSON text), eligible (list of
offer ids), probabilities (list, same order), offer_id (chosen), propensity, reward (null when
no outcome yet), accepted, policy, model_version.

The export (`nba export`, GET /v1/exports/decisions) and the simulator add `OFFER_COLUMNS`,
what each eligible offer was when the decision saw it, in `eligible`'s order:
eligible_versions (list of offer versions), eligible_categories (list of categories) and
eligible_features (JSON text: a list of feature objects). With them `nba evaluate` scores a
file as it scores the database: rules know each offer's category, learners see each offer's
features. Logs without them (older exports, DSJSON) still read.

CSV text cells a spreadsheet would run as a formula (OWASP's rule: a first character of `=`,
`+`, `-`, `@`, tab or CR) go out behind a single quote, which spreadsheets show as text;
`read_log` takes it off again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported where a log is read: storage needs only COLUMNS
    import pandas as pd

COLUMNS = (
    "decision_id",
    "ts",
    "customer_id",
    "churn_score",
    "context",
    "eligible",
    "probabilities",
    "offer_id",
    "propensity",
    "reward",
    "accepted",
    "policy",
    "model_version",
)
"""The columns every decision log has."""
OFFER_COLUMNS = ("eligible_versions", "eligible_categories", "eligible_features")
"""The eligible offers' snapshots, in `eligible`'s order (see the module docstring)."""
EXPORT_COLUMNS = COLUMNS + OFFER_COLUMNS
"""What the export and the simulator write."""
_LIST_COLUMNS = ("eligible", "probabilities", "eligible_versions", "eligible_categories")


def write_log(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a decision log as Parquet (default) or CSV (lists as JSON text), by suffix."""
    path = Path(path)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"decision log lacks columns {missing}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        out = frame.copy()
        for column in (c for c in _LIST_COLUMNS if c in out.columns):
            out[column] = out[column].map(_list_to_json)
        spreadsheet_safe(out).to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def read_log(path: str | Path) -> pd.DataFrame:
    """Read a decision log written by `write_log` (Parquet or CSV), lists restored."""
    import pandas as pd

    path = Path(path)
    if path.suffix == ".csv":
        frame = pd.read_csv(path)
        for column in _text_columns(frame):
            frame[column] = frame[column].map(_unquoted)
        for column in (c for c in _LIST_COLUMNS if c in frame.columns):
            frame[column] = frame[column].map(_json_to_list)
        return frame
    return pd.read_parquet(path)


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (numbers stay as they are).

    A text cell starting with a formula character gets a leading `'`; so does one that already
    starts with `'`, so that taking one quote off every quoted cell gives the text back.
    """
    out = frame.copy()
    for column in _text_columns(out):
        out[column] = out[column].map(_quoted)
    return out


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "str"]


def _quoted(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith((*_FORMULA_STARTS, "'")):
        return "'" + cell
    return cell


def _unquoted(cell: object) -> object:
    return cell[1:] if isinstance(cell, str) and cell.startswith("'") else cell


def _list_to_json(values: Iterable[object] | None) -> str | None:
    import json

    if values is None or (isinstance(values, float) and values != values):
        return None
    return json.dumps([v.item() if hasattr(v, "item") else v for v in values])


def _json_to_list(text: object) -> list | None:
    import json

    if not isinstance(text, str):
        return None  # an empty cell: a row written without this column
    return json.loads(text)
