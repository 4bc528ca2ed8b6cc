"""CSV logs: text a spreadsheet would run as a formula goes out quoted, numbers as they are."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nba.logschema import read_log, spreadsheet_safe, write_log
from nba.ope.synthetic import decision_log

# A bare CR is left out of the file round trips: pandas writes it unquoted, which splits the row
# (a CSV writing problem apart from formulas); spreadsheet_safe quotes it all the same.
FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\tcmd"]


def test_every_formula_start_is_quoted_and_only_in_text_cells():
    frame = pd.DataFrame({"text": ["=1", "+1", "-1", "@a", "\ta", "\ra", "'a", "a-"],
                          "number": [-0.5, 1, 2, 3, 4, 5, 6, 7]})  # fmt: skip
    safe = spreadsheet_safe(frame)
    assert list(safe["text"]) == ["'=1", "'+1", "'-1", "'@a", "'\ta", "'\ra", "''a", "a-"]
    assert safe["number"].equals(frame["number"])


@pytest.fixture
def frame() -> pd.DataFrame:
    log = decision_log(len(FORMULAS) + 2, np.random.default_rng(5))
    log["customer_id"] = [*FORMULAS, "'quoted", "plain"]
    log["reward"] = -0.5
    return log


def test_text_cells_starting_like_a_formula_go_out_behind_a_quote(frame, tmp_path):
    written = pd.read_csv(write_log(frame, tmp_path / "log.csv"), dtype=str, keep_default_na=False)
    assert list(written["customer_id"]) == [f"'{c}" for c in FORMULAS] + ["''quoted", "plain"]


def test_numbers_are_not_quoted(frame, tmp_path):
    text = write_log(frame, tmp_path / "log.csv").read_text()
    assert ",-0.5," in text and "'-0.5" not in text


def test_reading_the_csv_back_gives_the_text_that_was_written(frame, tmp_path):
    back = read_log(write_log(frame, tmp_path / "log.csv"))
    assert list(back["customer_id"]) == list(frame["customer_id"])
    assert list(back["eligible"]) == list(frame["eligible"])
    assert (back["reward"] == -0.5).all()
