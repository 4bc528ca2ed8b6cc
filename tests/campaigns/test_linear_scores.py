"""The batch scorer reproduces VW's own scores, by row and by column, CSV text included."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from nba.campaigns.linear import TOLERANCE, LinearScorer
from nba.campaigns.model import ModelSource
from nba.campaigns.reading import checked
from policies.base import Candidate, Context
from simulator.campaign import campaign_world, customers_frame
from simulator.catalog import DEFAULT_OFFERS


def test_the_batch_scores_are_vws_own_for_every_offer(trained):
    frame = customers_frame(campaign_world(300, 8))
    as_text = pa.RecordBatch.from_pandas(frame.astype(str), preserve_index=False)  # like CSV
    typed = pa.RecordBatch.from_pandas(frame, preserve_index=False)
    policy = ModelSource(trained.policy, trained.params, trained.data, 1, 0).build()
    candidates = [Candidate(o.id, o.category, o.features) for o in DEFAULT_OFFERS]
    linear = LinearScorer(policy.vw_model(), "squarecb", candidates)  # type: ignore[attr-defined]
    for raw in (typed, as_text):
        batch, bad = checked(raw, 0)
        assert not bad
        expected = np.array([
            policy.rank(Context(float(c), ctx), candidates).scores
            for c, ctx in zip(batch.churn_scores, batch.contexts, strict=True)
        ])  # fmt: skip
        by_row = linear.scores(batch.churn_scores.tolist(), batch.contexts)
        by_column = linear.column_scores(batch.churn_scores, batch.columns or {})
        assert np.abs(by_row - expected).max() < TOLERANCE
        assert np.abs(by_column - expected).max() < TOLERANCE
        assert np.ptp(expected, axis=1).mean() > 0.01  # the offers' scores do differ
