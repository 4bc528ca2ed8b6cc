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


def test_the_browser_gets_the_same_chart_as_plain_data() -> None:
    from datetime import date

    from nba.charts import BarChart, LineChart

    days = [date(2026, 12, 1), date(2026, 12, 2)]
    line = LineChart(
        "Rate per day",
        "day (UTC)",
        "acceptance rate (%)",
        {"rate": (days, [12.5, float("nan")])},
        bands={"rate": ([10.0, float("nan")], [15.0, float("nan")])},
        y_limits=(0.0, 100.0),
        reference=("budget", 40.0),
    ).for_browser()
    assert line["kind"] == "line" and line["dated"] is True
    assert line["series"] == [
        {"name": "rate", "x": ["2026-12-01", "2026-12-02"], "y": [12.5, None],
         "band": [[10.0, None], [15.0, None]]},
    ]  # fmt: skip
    assert line["y_limits"] == [0.0, 100.0]
    assert line["reference"] == {"name": "budget", "y": 40.0}
    bars = BarChart(
        "By band", "churn band", "rate (%)", ["low", "high"], {"rate": [1, 2]}, stacked=True
    ).for_browser()
    assert bars["categories"] == ["low", "high"] and bars["stacked"] is True
    assert bars["series"] == [{"name": "rate", "y": [1.0, 2.0], "errors": None}]
    assert bars["reference"] is None
