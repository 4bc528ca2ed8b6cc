"""An evaluation in plain words: the verdict, each estimator in one line, figures as shown.

The verdict names the candidate with the highest estimate, says by how much it beats (or not)
the logging policy per 1,000 decisions with its interval, whether it is distinguishable from the
runner-up, and whether the evidence is enough: an effective sample size of at least
`MIN_EFFECTIVE_SAMPLE` decisions, offers without logging support on at most
`MAX_UNSUPPORTED_SHARE` of them, and an interval at all. When the rewards are all 0 or 1 a
value is an acceptance rate: its interval is clipped to [0, 1] (and the difference's to what
that allows), and the report says so.

Limits: "distinguishable" compares the two candidates' intervals (overlap), which is stricter
than an interval of their paired difference; the figures come from one estimator
(`HEADLINE_ESTIMATORS`, the first one run), the report's table holds the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from nba.ope.evaluate import Estimate
from nba.ope.run import CandidateResult, EvaluationResult, RewardKind

PER_DECISIONS = 1000
"""Differences are said per this many decisions."""
MIN_EFFECTIVE_SAMPLE = 100
"""Below this effective sample size (decisions) an estimate's interval is not trusted."""
MAX_UNSUPPORTED_SHARE = 0.01
"""Above this share of decisions on offers the logging policy never showed, the estimate is
biased beyond what its interval says."""
HEADLINE_ESTIMATORS = ("dr", "snips", "sndr", "ips", "switch_dr", "dr_os", "cips", "dm")
"""The estimator the verdict quotes: the first of these that was run."""

ESTIMATOR_WORDS: dict[str, tuple[str, str]] = {
    "on_policy": ("logged mean", "the plain mean of the logged rewards: the logging policy's "
                  "own value, the baseline every difference refers to"),
    "ips": ("inverse propensity scoring", "reweights each logged outcome by how much more or "
            "less often the candidate would have made that choice: unbiased, but noisy"),
    "snips": ("self-normalised IPS", "IPS divided by the mean weight: a little bias for much "
              "less noise"),
    "cips": ("clipped IPS", "IPS with the largest weights capped: some bias for less noise"),
    "dm": ("direct method", "a reward model's prediction for the candidate's choices: no "
           "weight noise, but as biased as the model"),
    "dr": ("doubly robust", "the reward model's prediction corrected by the reweighted errors "
           "of the logged choices: right when either the model or the propensities are"),
    "sndr": ("self-normalised doubly robust", "doubly robust with its correction "
             "self-normalised like SNIPS: steadier when weights are large"),
    "switch_dr": ("switch doubly robust", "doubly robust, but the reward model alone where a "
                  "weight is too large to trust"),
    "dr_os": ("doubly robust with shrinkage", "doubly robust with large weights shrunk toward "
              "zero: less noise for a little bias"),
}  # fmt: skip
"""Each estimator's name in words and what it does, in one line."""


@dataclass(frozen=True, slots=True)
class Shown:
    """An estimate's figures as the report shows them: with an acceptance rate, the interval
    ends clipped to [0, 1] and the difference's to [-baseline, 1 - baseline]."""

    value: float
    ci_low: float
    ci_high: float
    lift: float
    lift_ci_low: float
    lift_ci_high: float
    is_clipped: bool


def shown(estimate: Estimate, baseline_value: float, reward_kind: RewardKind) -> Shown:
    """`estimate` as shown beside a logging policy worth `baseline_value`."""
    e = estimate
    if reward_kind != "acceptance":
        return Shown(e.value, e.ci_low, e.ci_high, e.lift, e.lift_ci_low, e.lift_ci_high, False)
    ends = (
        _clip(e.ci_low, 0.0, 1.0),
        _clip(e.ci_high, 0.0, 1.0),
        _clip(e.lift_ci_low, -baseline_value, 1.0 - baseline_value),
        _clip(e.lift_ci_high, -baseline_value, 1.0 - baseline_value),
    )
    before = (e.ci_low, e.ci_high, e.lift_ci_low, e.lift_ci_high)
    clipped = any(a != b for a, b in zip(ends, before, strict=True) if math.isfinite(b))
    return Shown(e.value, *ends[:2], e.lift, *ends[2:], clipped)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The verdict: its opening sentence, the evidence sentence, and notes."""

    best: str | None
    is_enough: bool
    estimator: str | None
    headline: str
    evidence: str
    notes: tuple[str, ...]

    @property
    def sentences(self) -> tuple[str, ...]:
        """Every sentence, in reading order."""
        return (self.headline, self.evidence, *self.notes)


def headline_estimator(estimators: Sequence[str]) -> str | None:
    """The estimator the verdict quotes among those run (None if none is one of ours)."""
    return next((name for name in HEADLINE_ESTIMATORS if name in estimators), None)


def verdict(result: EvaluationResult) -> Verdict:
    """The verdict on `result`; see the module docstring."""
    name = headline_estimator(result.estimators)
    ranked = _ranked(result.candidates, name)
    if name is None or not ranked:
        return Verdict(
            None,
            False,
            name,
            "No candidate was evaluated with an estimator that the verdict can quote.",
            "",
            (),
        )
    level = round(100 * (1 - result.alpha))
    base = result.baseline.value
    kind = result.reward_kind
    (best, best_estimate), runner_up = ranked[0], ranked[1] if len(ranked) > 1 else None
    figure = shown(best_estimate, base, kind)
    difference = _difference(figure, kind, level)
    label, _ = ESTIMATOR_WORDS[name]
    notes = [f"Figures from the {label} estimator ({name}); the table below has every estimator."]
    problems = evidence_problems(best_estimate, result.n_rows)
    if problems:
        reasons = " and ".join(problems)
        evidence = (
            f"{best.name} has the highest estimate of the candidates, {difference}, but {reasons}. "
            f"{_advice(best_estimate, result.n_rows)}"
        )
        return Verdict(
            best.name,
            False,
            name,
            "Not enough evidence to choose a candidate.",
            evidence,
            tuple(notes),
        )
    tie = runner_up is not None and _overlap(figure, shown(runner_up[1], base, kind))
    if figure.lift_ci_low > 0:
        headline = f"{best.name} is the best candidate: {difference}."
        if tie and runner_up is not None:
            headline = (
                f"{best.name} has the highest estimate of the candidates, {difference}, but it "
                f"is not distinguishable from {runner_up[0].name}: their {level}% intervals "
                "overlap."
            )
    elif figure.lift_ci_high < 0:
        headline = f"No candidate beats the logging policy: the best, {best.name}, gets "
        headline += f"{difference}."
    else:
        headline = (
            f"{best.name} has the highest estimate of the candidates, {difference}, but it is not "
            "distinguishable from the logging policy: the interval includes no "
            "difference."
        )
        if tie and runner_up is not None:
            notes.append(
                f"Nor is it distinguishable from {runner_up[0].name}: their {level}% "
                "intervals overlap."
            )
    notes.append(_agreement(best, figure.lift))
    return Verdict(
        best.name, True, name, headline, _enough(best_estimate, result.n_rows), tuple(notes)
    )


def evidence_problems(estimate: Estimate, n_rows: int) -> list[str]:
    """Why an estimate is not enough to act on, in words (empty when it is)."""
    problems = []
    if not (math.isfinite(estimate.lift_ci_low) and math.isfinite(estimate.lift_ci_high)):
        problems.append(
            "no interval was computed (0 bootstrap resamples), so nobody can say "
            "whether the difference is real"
        )
    if n_rows < MIN_EFFECTIVE_SAMPLE:
        problems.append(
            f"only {n_rows:,} decisions have an outcome (at least "
            f"{MIN_EFFECTIVE_SAMPLE} are needed)"
        )
    elif not estimate.ess >= MIN_EFFECTIVE_SAMPLE:
        problems.append(
            f"its effective sample size is {estimate.ess:,.0f} of {n_rows:,} "
            "decisions: few logged decisions are ones it would have made (at least "
            f"{MIN_EFFECTIVE_SAMPLE} are needed)"
        )
    if estimate.unsupported_share > MAX_UNSUPPORTED_SHARE:
        problems.append(
            f"on {100 * estimate.unsupported_share:.1f}% of decisions it would "
            "choose offers the logging policy never showed there, which no "
            "estimator can judge"
        )
    return problems


def per_thousand(value: float, *, signed: bool = True) -> str:
    """A difference in reward per decision as a figure per `PER_DECISIONS` decisions."""
    if not math.isfinite(value):
        return "n/a"
    scaled = value * PER_DECISIONS
    digits = 0 if abs(scaled) >= 9.95 else 1  # 9.96 would show as "10.0"
    text = f"{abs(scaled):,.{digits}f}"
    if not signed or text.strip("0.,") == "":
        return text
    return ("+" if scaled > 0 else "-") + text


def _difference(figure: Shown, kind: RewardKind, level: int) -> str:
    amount = per_thousand(figure.lift, signed=False)
    if kind == "acceptance":
        more = "more" if figure.lift >= 0 else "fewer"
        what = f"{amount} {more} accepts"
    else:
        more = "more" if figure.lift >= 0 else "less"
        what = f"{amount} {more} reward"
    interval = f"{per_thousand(figure.lift_ci_low)} to {per_thousand(figure.lift_ci_high)}"
    return (
        f"{what} per {PER_DECISIONS:,} decisions than the logging policy "
        f"({level}% interval: {interval})"
    )


def _enough(estimate: Estimate, n_rows: int) -> str:
    share = estimate.unsupported_share
    if share > 0:
        support = f"it chooses offers the logging policy never showed on only {100 * share:.1f}%"
        support += " of decisions"
    else:
        support = "it chooses only offers the logging policy showed"
        if not estimate.support_known:
            support += " (checked on decisions logged with certainty only)"
    return (
        f"The evidence is enough: an effective sample size of {estimate.ess:,.0f} of "
        f"{n_rows:,} decisions with outcomes, and {support}."
    )


def _advice(estimate: Estimate, n_rows: int) -> str:
    if not math.isfinite(estimate.lift_ci_low):
        return "Run it again with bootstrap resamples to get intervals."
    if n_rows < MIN_EFFECTIVE_SAMPLE or estimate.ess < MIN_EFFECTIVE_SAMPLE:
        return (
            "Let more decisions collect outcomes (or widen the window) and evaluate again; "
            "a candidate far from the logging policy needs more of them."
        )
    return "Let the logging policy explore those offers before judging this candidate."


def _agreement(best: CandidateResult, lift: float) -> str:
    finite = [e for e in best.estimates if math.isfinite(e.lift)]
    side = _side(lift)
    same = sum(1 for e in finite if _side(e.lift) == side)
    where = {1: "above", 0: "level with", -1: "below"}[side]
    return f"{same} of {len(finite)} estimators put {best.name} {where} the logging policy."


def _side(lift: float) -> int:
    """Above (1), level with (0) or below (-1) the logging policy, ignoring rounding noise."""
    return 0 if abs(lift) < 1e-9 else (1 if lift > 0 else -1)


def _ranked(
    candidates: Sequence[CandidateResult], name: str | None
) -> list[tuple[CandidateResult, Estimate]]:
    found = [
        (c, e) for c in candidates for e in c.estimates if e.name == name and math.isfinite(e.value)
    ]
    return sorted(found, key=lambda pair: -pair[1].value)


def _overlap(a: Shown, b: Shown) -> bool:
    if not all(math.isfinite(x) for x in (a.ci_low, a.ci_high, b.ci_low, b.ci_high)):
        return a.value == b.value
    return max(a.ci_low, b.ci_low) <= min(a.ci_high, b.ci_high)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high) if math.isfinite(value) else value
