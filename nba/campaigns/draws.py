"""The campaign's random draws: one uniform per customer and purpose, from a keyed hash.

Each draw depends only on the campaign's seed, the purpose and the customer id, never on the
row's position: a resumed run, another batch size and the Dask engine draw the same for each
customer, and nothing is kept between batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

HOLDOUT = "holdout"
EXPLORE = "explore"
PICK = "pick"
SAMPLE = "sample"


def uniforms(customer_ids: Sequence[str], seed: int, purpose: str) -> npt.NDArray[np.float64]:
    """A uniform in [0, 1) per customer id for `purpose`, the same on every run with `seed`."""
    key = hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=8).hexdigest()
    # categorize=False hashes each id as it is (the same hashes; categorising first only
    # pays when values repeat, and ids do not).
    hashed = pd.util.hash_pandas_object(
        pd.Series(list(customer_ids), dtype=object), index=False, hash_key=key, categorize=False
    ).to_numpy(dtype=np.uint64)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(2**53)


TIE_BREAK = 1e-9
"""The size of the tie-break added to every expected reward (rewards are in [-1, 1])."""


def tie_breaks(customer_ids: Sequence[str], seed: int, k: int) -> npt.NDArray[np.float64]:
    """(n, k) values in [0, TIE_BREAK]: distinct per customer and offer, so that no two
    customers tie at a budget's price (the dual prices could not split them); column 0
    (no_action) gets the largest, so an offer must be expected to do better than nothing."""
    u = uniforms(customer_ids, seed, "tie")
    multipliers = np.sqrt(np.arange(2, k + 2, dtype=np.float64))  # irrational, distinct
    breaks = TIE_BREAK * np.modf(u[:, None] * 1e6 * multipliers[None, :])[0]
    breaks[:, 0] = TIE_BREAK  # at a tie, doing nothing (column 0, no_action) wins
    return breaks
