"""The verdict of an evaluation in plain words, and the HTML report, on constructed results."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nba.ope.evaluate import Estimate
from nba.ope.report import report_fragment, report_page
from nba.ope.run import CandidateResult, EvaluationResult, RewardKind
from nba.ope.verdict import shown, verdict

BASELINE = 0.20


def _estimate(
    value: float,
    low: float,
    high: float,
    *,
    name: str = "dr",
    lift: tuple[float, float] | None = None,
    ess: float = 800.0,
    unsupported: float = 0.0,
) -> Estimate:
    """An estimate against a logging policy worth BASELINE; its difference's interval is the
    value's shifted by the baseline unless given."""
    lift_low, lift_high = lift if lift else (low - BASELINE, high - BASELINE)
    return Estimate(
        name=name, value=value, ci_low=low, ci_high=high, se=(high - low) / 4,
        lift=value - BASELINE, lift_ci_low=lift_low, lift_ci_high=lift_high, ess=ess,
        max_weight=3.0, mean_weight=1.0, unsupported_share=unsupported, support_known=True,
        n=1000, alpha=0.05, interval="bootstrap", lambda_=None,
    )  # fmt: skip


def _result(
    candidates: dict[str, Estimate | list[Estimate]],
    *,
    n_rows: int = 1000,
    reward_kind: RewardKind = "acceptance",
) -> EvaluationResult:
    found = {k: v if isinstance(v, list) else [v] for k, v in candidates.items()}
    names = tuple(dict.fromkeys(e.name for estimates in found.values() for e in estimates))
    return EvaluationResult(
        source="constructed",
        n_rows=n_rows,
        offer_ids=("a", "b"),
        estimators=names,
        alpha=0.05,
        n_bootstrap=200,
        seed=1,
        baseline=_estimate(BASELINE, 0.18, 0.22, name="on_policy", lift=(0.0, 0.0)),
        candidates=tuple(
            CandidateResult(name, tuple(estimates), (), (), np.zeros(0))
            for name, estimates in found.items()
        ),
        reward_kind=reward_kind,
    )


def test_the_best_candidate_is_named_with_its_gain_per_thousand_and_interval() -> None:
    result = _result({"rules": _estimate(0.25, 0.23, 0.27), "random": _estimate(0.19, 0.17, 0.21)})
    found = verdict(result)
    assert found.best == "rules" and found.is_enough
    assert found.headline == (
        "rules is the best candidate: 50 more accepts per 1,000 decisions than the logging "
        "policy (95% interval: +30 to +70)."
    )
    assert found.evidence.startswith("The evidence is enough: an effective sample size of 800")


def test_overlapping_intervals_are_not_distinguishable() -> None:
    result = _result(
        {"rules": _estimate(0.25, 0.22, 0.28), "version:2": _estimate(0.24, 0.215, 0.27)}
    )
    found = verdict(result)
    assert found.best == "rules"
    assert "not distinguishable from version:2" in found.headline
    assert "is the best candidate" not in found.headline


def test_a_tie_is_not_distinguishable() -> None:
    result = _result({"a": _estimate(0.25, 0.23, 0.27), "b": _estimate(0.25, 0.23, 0.27)})
    assert "not distinguishable from" in verdict(result).headline


def test_an_interval_around_no_difference_is_not_distinguishable_from_logging() -> None:
    found = verdict(_result({"rules": _estimate(0.21, 0.19, 0.23)}))
    assert "not distinguishable from the logging policy" in found.headline
    assert "10 more accepts" in found.headline


def test_when_every_candidate_is_worse_the_verdict_says_none_beats_logging() -> None:
    found = verdict(_result({"random": _estimate(0.12, 0.10, 0.14)}))
    assert found.headline.startswith("No candidate beats the logging policy: the best, random,")
    assert "80 fewer accepts" in found.headline


@pytest.mark.parametrize(
    ("n_rows", "estimate", "reason"),
    [
        (40, _estimate(0.30, 0.22, 0.38, ess=40), "only 40 decisions have an outcome"),
        (5000, _estimate(0.30, 0.22, 0.38, ess=30), "effective sample size is 30 of 5,000"),
        (5000, _estimate(0.30, 0.28, 0.32, unsupported=0.2), "never showed"),
        (5000, _estimate(0.30, math.nan, math.nan), "no interval was computed"),
    ],
)
def test_too_little_evidence_is_said_plainly_with_the_reason(
    n_rows: int, estimate: Estimate, reason: str
) -> None:
    found = verdict(_result({"rules": estimate}, n_rows=n_rows))
    assert not found.is_enough
    assert found.headline == "Not enough evidence to choose a candidate."
    assert reason in found.evidence
    assert found.evidence.startswith("rules has the highest estimate")


def test_the_verdict_quotes_dr_before_the_other_estimators() -> None:
    estimates = [
        _estimate(0.40, 0.38, 0.42, name="ips"),
        _estimate(0.25, 0.23, 0.27, name="dr"),
    ]
    found = verdict(_result({"rules": estimates}))
    assert found.estimator == "dr" and "50 more accepts" in found.headline
    assert "2 of 2 estimators put rules above the logging policy." in found.notes


def test_a_value_reward_is_said_in_reward_not_accepts() -> None:
    found = verdict(_result({"rules": _estimate(0.25, 0.23, 0.27)}, reward_kind="value"))
    assert "50 more reward per 1,000 decisions" in found.headline


def test_an_acceptance_rate_interval_is_clipped_to_zero_and_one() -> None:
    estimate = _estimate(0.97, 0.90, 1.07, lift=(0.70, 0.87))
    figure = shown(estimate, BASELINE, "acceptance")
    assert (figure.ci_low, figure.ci_high) == (0.90, 1.0)
    assert figure.lift_ci_high == pytest.approx(0.80) and figure.is_clipped
    assert not shown(estimate, BASELINE, "value").is_clipped


def test_the_report_opens_with_the_verdict_and_names_every_column_in_words() -> None:
    result = _result({"rules": _estimate(0.97, 0.90, 1.07), "random": _estimate(0.2, 0.18, 0.22)})
    html = str(report_fragment(result))
    assert html.index("Verdict") < html.index("What was evaluated") < html.index("<svg")
    assert verdict(result).headline in html
    for column in ("Estimated acceptance rate", "95% interval of the difference",
                   "Effective sample size (decisions)", "Largest importance weight",
                   "Decisions on offers the log never showed"):  # fmt: skip
        assert column in html
    assert "doubly robust</strong>: the reward model" in html
    assert "100.0%*" in html and "clipped to [0, 1]" in html
    assert html.count("<svg") == 2  # estimates, and differences by estimator


def test_the_report_page_stands_alone_and_escapes_names() -> None:
    result = _result({"<b>x</b>": _estimate(0.25, 0.23, 0.27)})
    page = report_page(result)
    assert page.startswith("<!doctype html>") and "<style>" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page


def test_a_stored_result_reads_back_to_the_same_verdict() -> None:
    result = _result({"rules": _estimate(0.25, 0.23, 0.27), "random": _estimate(0.2, 0.1, 0.3)})
    again = EvaluationResult.from_dict(result.as_dict())
    assert verdict(again) == verdict(result)
    assert again.reward_kind == "acceptance"
