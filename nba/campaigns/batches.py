"""One batch of a campaign from file rows to assignments: the unit both engines run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from nba.campaigns import draws
from nba.campaigns.assignment import Assignments, assign, exploration_picks, holdout_mask
from nba.campaigns.reading import BadRow, CustomerBatch, checked
from nba.campaigns.scoring import CampaignScorer, Scores
from nba.campaigns.spec import CampaignSpec

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Survey:
    """What the planning pass keeps of one batch: its sampled treated rows' scores, counts,
    its bad rows, and each good row's id hash (to find customers named twice)."""

    sample_rows: npt.NDArray[np.int64]
    sample: Scores
    sample_explores: npt.NDArray[np.bool_]
    sample_picks: npt.NDArray[np.int64]
    treated: int
    good: int
    bad: list[BadRow]
    rows: npt.NDArray[np.int64]
    held: npt.NDArray[np.bool_]
    id_hashes: npt.NDArray[np.integer]


@dataclass(frozen=True, slots=True)
class Assigned:
    """One batch's customers (good rows only), their scores and assignments."""

    customers: CustomerBatch
    scores: Scores
    assignments: Assignments


def survey(
    raw: pa.RecordBatch,
    first_row: int,
    scorer: CampaignScorer,
    spec: CampaignSpec,
    sample_rate: float,
) -> Survey:
    """Check the batch, and score the treated customers that fall in the sample."""
    good, bad = checked(raw, first_row)
    held = holdout_mask(good.customer_ids, spec.seed, spec.holdout)
    sampled = ~held & (draws.uniforms(good.customer_ids, spec.seed, draws.SAMPLE) < sample_rate)
    chosen = good.take(sampled)
    sample = scored(scorer, chosen, spec.seed)
    explores, picks = exploration_picks(sample, chosen.customer_ids, spec.seed, spec.exploration)
    hashes = pd.util.hash_pandas_object(
        pd.Series(good.customer_ids, dtype=object), index=False, categorize=False
    ).to_numpy(dtype=np.uint64)
    return Survey(
        sample_rows=chosen.rows,
        sample=sample,
        sample_explores=explores,
        sample_picks=picks,
        treated=int((~held).sum()),
        good=good.size,
        bad=bad,
        rows=good.rows,
        held=held,
        id_hashes=hashes,
    )


def assign_batch(
    raw: pa.RecordBatch,
    first_row: int,
    scorer: CampaignScorer,
    spec: CampaignSpec,
    prices: FloatArray,
    skip_rows: Sequence[int] = (),
) -> Assigned:
    """Score and assign the batch's good rows, leaving out `skip_rows` (repeated customers)."""
    good, _ = checked(raw, first_row)
    if len(skip_rows):
        good = good.take(~np.isin(good.rows, np.asarray(skip_rows, dtype=np.int64)))
    return assign_customers(good, scorer, spec, prices)


def assign_customers(
    customers: CustomerBatch, scorer: CampaignScorer, spec: CampaignSpec, prices: FloatArray
) -> Assigned:
    """Score and assign checked customers."""
    scores = scored(scorer, customers, spec.seed)
    assignments = assign(
        scores,
        customers.customer_ids,
        prices,
        seed=spec.seed,
        holdout=spec.holdout,
        exploration=spec.exploration,
    )
    return Assigned(customers, scores, assignments)


def scored(scorer: CampaignScorer, customers: CustomerBatch, seed: int) -> Scores:
    """The customers' scores with the tie-break of each (customer, offer) added."""
    scores = scorer.score(customers)
    k = scores.rewards.shape[1]
    rewards = scores.rewards + draws.tie_breaks(customers.customer_ids, seed, k)
    return Scores(rewards, scores.accepts, scores.eligible)
