"""Charts come out as inline SVG with their title, axis labels and legend."""

from __future__ import annotations

from nba.charts import bar_chart, line_chart


def test_a_line_chart_carries_its_title_axes_and_legend() -> None:
    svg = line_chart(
        "Acceptance per day",
        "day",
        "acceptance rate (%)",
        {"learned": (["12-01", "12-02"], [10.0, 12.0]), "random": (["12-01", "12-02"], [5, 6])},
        bands={"learned": ([8.0, 10.0], [12.0, 14.0])},
        reference=("budget", 11.0),
    )
    assert svg.startswith("<svg")
    for text in ("Acceptance per day", "acceptance rate (%)", "learned", "random", "budget"):
        assert f"<!-- {text} -->" in svg


def test_a_bar_chart_with_intervals_names_each_category() -> None:
    svg = bar_chart(
        "Offer mix by churn band",
        "churn band",
        "share of decisions (%)",
        ["low", "medium", "high"],
        {"discount": [10, 20, 30]},
        errors={"discount": ([5, 15, 25], [15, 25, 35])},
    )
    for text in ("Offer mix by churn band", "churn band", "low", "medium", "high"):
        assert f"<!-- {text} -->" in svg
