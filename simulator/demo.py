"""`nba demo`: drive a running service over HTTP with simulated customers, then summarise.

The service learns from the outcomes the simulated customers report; the same customer
stream is also run in-process through a uniform-random policy and the oracle, so the summary
can say how much the learned policy gained. The summary also says, per churn band, what the
learner offered most and what the ground truth says was best for the same customers
(`band_story`), so that what the demo tells is what the learner did.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

import policies
from nba.evaluation.stats import wilson
from simulator.http_client import run_http, sync_offers
from simulator.result import BAND_EDGES, BANDS, RunResult
from simulator.runner import run
from simulator.scenarios import SCENARIOS

Progress = Callable[[int], None]
CURVE_BLOCKS = 20
"""Blocks of decisions in the report's acceptance plot (the terminal table has `blocks`)."""


@dataclass(frozen=True, slots=True)
class BandStory:
    """One churn band in the second half of the run: what the learner did against the truth.

    `top_offer` is the learner's most frequent offer, `best_offers` the oracle's offers with
    their shares (most frequent first), `agreement` the share of decisions where the learner
    chose the oracle's offer (`random_agreement`: uniform random's), and `miss` the learner's
    most frequent wrong choice with the offer that was best instead and its share, if any.
    """

    band: str
    decisions: int
    top_offer: str
    top_share: float
    best_offers: tuple[tuple[str, float], ...]
    agreement: float
    random_agreement: float
    miss: tuple[str, str, float] | None


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo shows: acceptance per block of decisions, and the learned offer mix."""

    steps: int
    seconds: float
    acceptance: pd.DataFrame  # rows: blocks; columns: learned, random, oracle
    curve: pd.DataFrame  # rows: CURVE_BLOCKS blocks (last decision); rates with 95% intervals
    offer_mix: pd.DataFrame  # rows: churn bands low, medium, high; columns: offers (shares)
    oracle_mix: pd.DataFrame  # the same for the oracle's (best) offer of each decision
    stories: tuple[BandStory, ...]
    learned_total: float
    random_total: float
    oracle_total: float


def run_demo(
    base_url: str,
    *,
    crm_key: str,
    marketer_key: str,
    steps: int,
    seed: int,
    blocks: int = 5,
    progress: Progress | None = None,
) -> DemoSummary:
    """Load the catalog, send `steps` simulated customers through the HTTP API, summarise."""
    scenario = SCENARIOS["stationary"]()
    sync_offers(base_url, marketer_key, scenario.offers())
    learned = run_http(scenario, base_url, crm_key, steps, seed, progress=progress)
    random = run(scenario, policies.get("random"), steps, seed)
    return summarise(learned, random, blocks)


def summarise(learned: RunResult, random: RunResult, blocks: int) -> DemoSummary:
    """Acceptance per block for the learned policy, uniform random and the oracle; offer mixes
    and band stories over the second half of the run."""
    rows = []
    for start, end in _blocks(learned.steps, blocks):
        rows.append(
            {
                "decisions": f"{start + 1}-{end}",
                "learned": float(learned.rewards[start:end].mean()),
                "random": float(random.rewards[start:end].mean()),
                "oracle": float(learned.oracle_rewards[start:end].mean()),
            }
        )
    half = slice(learned.steps // 2, None)
    frame = learned.frame.iloc[half]
    offers = list(learned.offer_ids)
    return DemoSummary(
        steps=learned.steps,
        seconds=learned.elapsed_s,
        acceptance=pd.DataFrame(rows).set_index("decisions"),
        curve=_curve(learned, random, min(CURVE_BLOCKS, learned.steps)),
        offer_mix=_mix(frame["churn_band"], frame["offer_id"], offers),
        oracle_mix=_mix(frame["churn_band"], frame["oracle_offer"], offers),
        stories=_stories(learned, random, half),
        learned_total=float(learned.rewards.mean()),
        random_total=float(random.rewards.mean()),
        oracle_total=float(learned.oracle_rewards.mean()),
    )


def _blocks(steps: int, blocks: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, steps, blocks + 1).astype(int)
    return [(a, b) for a, b in itertools.pairwise(edges.tolist()) if b > a]


def _curve(learned: RunResult, random: RunResult, blocks: int) -> pd.DataFrame:
    """Per block: accepted shares of learned and random with Wilson 95% intervals, and the
    oracle's expected acceptance (no sampling noise, so no interval)."""
    rows = []
    for start, end in _blocks(learned.steps, blocks):
        row: dict[str, float] = {"decisions": float(end)}
        for name, result in (("learned", learned), ("random", random)):
            accepts = int(np.count_nonzero(result.accepted[start:end]))
            rate, low, high = wilson(accepts, end - start)
            row |= {name: rate or 0.0, f"{name}_low": low or 0.0, f"{name}_high": high or 0.0}
        row["oracle"] = float(learned.oracle_rewards[start:end].mean())
        rows.append(row)
    return pd.DataFrame(rows).set_index("decisions")


def _mix(bands: pd.Series, offers: pd.Series, columns: Sequence[str]) -> pd.DataFrame:
    mix = pd.crosstab(bands, offers, normalize="index")
    return mix.reindex(index=list(BANDS), columns=list(columns), fill_value=0.0).fillna(0.0)


def _stories(learned: RunResult, random: RunResult, half: slice) -> tuple[BandStory, ...]:
    ids = np.asarray(learned.offer_ids)
    bands = learned.frame["churn_band"].to_numpy()[half]
    chosen, best = learned.chosen[half], learned.oracle_choice[half]
    random_hit = random.chosen[half] == random.oracle_choice[half]
    stories = []
    for band in BANDS:
        keep = bands == band
        n = int(keep.sum())
        if n == 0:
            continue
        mine, truth = chosen[keep], best[keep]
        counts = np.bincount(mine, minlength=len(ids))
        best_counts = pd.Series(ids[truth]).value_counts(normalize=True)
        wrong = mine != truth
        miss = None
        if wrong.any():
            codes = mine[wrong] * len(ids) + truth[wrong]
            common = int(np.argmax(np.bincount(codes)))
            offered, instead = divmod(common, len(ids))
            miss = (str(ids[offered]), str(ids[instead]), int((codes == common).sum()) / n)
        stories.append(
            BandStory(
                band=band,
                decisions=n,
                top_offer=str(ids[int(np.argmax(counts))]),
                top_share=float(counts.max() / n),
                best_offers=tuple((str(o), float(s)) for o, s in best_counts.items()),
                agreement=float(np.mean(mine == truth)),
                random_agreement=float(np.mean(random_hit[keep])),
                miss=miss,
            )
        )
    return tuple(stories)


def band_label(band: str) -> str:
    """`high churn risk (score at least 0.6)` and the like."""
    low, high = BAND_EDGES
    ranges = {
        "low": f"score below {low:g}",
        "medium": f"score {low:g} to {high:g}",
        "high": f"score at least {high:g}",
    }
    return f"{band} churn risk ({ranges[band]})"


def band_story(story: BandStory) -> str:
    """One band's story in words: the learner's favourite, the truth's, and the agreement."""
    (best, best_share), *others = story.best_offers
    also = f", then {others[0][0]} ({others[0][1]:.0%})" if others else ""
    text = (
        f"{band_label(story.band).capitalize()}, {story.decisions} decisions: the learner "
        f"offered {story.top_offer} most often ({story.top_share:.0%}); the best offer for "
        f"these customers was {best} for {best_share:.0%} of them{also}. The learner chose "
        f"the best offer in {story.agreement:.0%} of these decisions (uniform random: "
        f"{story.random_agreement:.0%})."
    )
    if story.miss is not None:
        offered, instead, share = story.miss
        text += f" Its most frequent miss: {offered} where {instead} was best ({share:.0%})."
    return text


def format_summary(summary: DemoSummary) -> str:
    """The summary as text for the terminal."""
    lines = [
        f"{summary.steps} decisions over HTTP in {summary.seconds:.1f} s "
        f"({summary.steps / max(summary.seconds, 1e-9):.0f}/s, each with its outcome)",
        "",
        "Acceptance rate per block of decisions (learned policy vs uniform random, same "
        "customers; oracle = expected rate of the best offer):",
        summary.acceptance.to_string(float_format=lambda v: f"{v:6.3f}"),
        "",
        "Offer mix by churn band, learned policy, second half of the run (share of decisions):",
        summary.offer_mix.to_string(float_format=lambda v: f"{v:5.2f}"),
        "",
        "What the learner did, against the ground truth (second half of the run):",
        *(f"- {band_story(s)}" for s in summary.stories),
        "",
        f"Overall acceptance: learned {summary.learned_total:.3f}, random "
        f"{summary.random_total:.3f} ({_lift(summary):+.0%}), oracle {summary.oracle_total:.3f}",
    ]
    return "\n".join(lines)


def _lift(summary: DemoSummary) -> float:
    return summary.learned_total / summary.random_total - 1 if summary.random_total else 0.0
