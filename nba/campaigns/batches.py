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
from nba.campaigns.contacts import BatchScreen, Held
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
    """One batch's customers (good rows only), their scores and assignments, and what the
    contact policy held back from them."""

    customers: CustomerBatch
    scores: Scores
    assignments: Assignments
    held: Held


def survey(
    raw: pa.RecordBatch,
    first_row: int,
    scorer: CampaignScorer,
    spec: CampaignSpec,
    sample_rate: float,
    screen: BatchScreen,
) -> Survey:
    """Check the batch, and score the treated customers that fall in the sample (`screen`
    holds the history of those at least, `in_sample`)."""
    good, bad = checked(raw, first_row)
    held = holdout_mask(good.customer_ids, spec.seed, spec.holdout)
    chosen = good.take(in_sample(good.customer_ids, spec, sample_rate))
    sample, _ = scored(scorer, chosen, spec.seed, screen)
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


def in_sample(
    customer_ids: Sequence[str], spec: CampaignSpec, sample_rate: float
) -> npt.NDArray[np.bool_]:
    """Which customers the planning pass scores: treated ones, each by their sample draw."""
    held = holdout_mask(customer_ids, spec.seed, spec.holdout)
    return ~held & (draws.uniforms(customer_ids, spec.seed, draws.SAMPLE) < sample_rate)


def assign_batch(
    raw: pa.RecordBatch,
    first_row: int,
    scorer: CampaignScorer,
    spec: CampaignSpec,
    prices: FloatArray,
    skip_rows: Sequence[int] = (),
    *,
    screen: BatchScreen,
) -> Assigned:
    """Score and assign the batch's good rows, leaving out `skip_rows` (repeated customers);
    `screen` holds the contact history of the batch's customers."""
    good, _ = checked(raw, first_row)
    if len(skip_rows):
        good = good.take(~np.isin(good.rows, np.asarray(skip_rows, dtype=np.int64)))
    return assign_customers(good, scorer, spec, prices, screen)


def assign_customers(
    customers: CustomerBatch,
    scorer: CampaignScorer,
    spec: CampaignSpec,
    prices: FloatArray,
    screen: BatchScreen,
) -> Assigned:
    """Score and assign checked customers under the contact policy."""
    scores, held = scored(scorer, customers, spec.seed, screen)
    assignments = assign(
        scores,
        customers.customer_ids,
        prices,
        seed=spec.seed,
        holdout=spec.holdout,
        exploration=spec.exploration,
    )
    return Assigned(customers, scores, assignments, held)


def scored(
    scorer: CampaignScorer, customers: CustomerBatch, seed: int, screen: BatchScreen | None = None
) -> tuple[Scores, Held]:
    """The customers' scores with the tie-break of each (customer, offer) added, the offers
    the contact policy (`screen`; None: no policy) holds back made ineligible; and what it
    held back."""
    scores = scorer.score(customers)
    k = scores.rewards.shape[1]
    rewards = scores.rewards + draws.tie_breaks(customers.customer_ids, seed, k)
    held = (
        Held.nothing(customers.size, k) if screen is None else screen.held(customers, scorer.offers)
    )
    offer_ids = [o.id for o in scorer.offers]
    return held.applied(Scores(rewards, scores.accepts, scores.eligible), offer_ids)
