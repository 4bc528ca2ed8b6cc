"""What a finished campaign holds, per offer: assignments, expected accepts and spend, budget
use and shadow price; counted while its parts are joined into the output file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nba.campaigns import output
from nba.campaigns.spec import CampaignSpec
from nba.domain import Offer


def summarise(
    spec: CampaignSpec, offers: Sequence[Offer], plan: Mapping[str, object]
) -> dict[str, object]:
    """Join the parts into the output, and count what it holds per offer."""
    column = {o.id: j for j, o in enumerate(offers)}
    names = pa.array([o.id for o in offers], pa.string())
    k = len(offers)
    assigned = np.zeros(k, dtype=np.int64)
    accepts = np.zeros(k)
    reward = np.zeros(k)
    held = explored = rows = 0
    for table in output.join_parts(spec.out):
        ids = pc.index_in(table.column("offer_id"), value_set=names).to_numpy().astype(np.int64)
        is_held = table.column("holdout").to_numpy(zero_copy_only=False)
        treated = ~is_held
        assigned += np.bincount(ids[treated], minlength=k)
        accepts += np.bincount(
            ids[treated],
            weights=table.column("expected_accepts").to_numpy()[treated],
            minlength=k,
        )
        reward += np.bincount(ids, weights=table.column("expected_reward").to_numpy(), minlength=k)
        held += int(is_held.sum())
        explored += int(table.column("explored").to_numpy(zero_copy_only=False).sum())
        rows += table.num_rows
    prices = plan["prices"]
    caps = plan["caps"]
    limits = plan["limits"]
    assert isinstance(prices, Mapping) and isinstance(caps, Mapping)
    assert isinstance(limits, Mapping)
    per_offer = []
    for offer in offers:
        j = column[offer.id]
        cap = caps.get(offer.id)
        per_offer.append(
            {
                "offer_id": offer.id,
                "assigned": int(assigned[j]),
                "expected_accepts": float(accepts[j]),
                "expected_spend": float(accepts[j] * offer.cost),
                "cap_accepts": cap,
                "limits": limits.get(offer.id),
                "budget_use": None if not cap else float(accepts[j] / cap),
                "shadow_price": float(prices.get(offer.id, 0.0)),
                "is_binding": bool(prices.get(offer.id, 0.0) > 0),
            }
        )
    return {
        "out": spec.out,
        "assigned": rows,
        "holdout": held,
        "explored": explored,
        "bad_rows": plan["bad_rows"],
        "expected_reward": float(reward.sum()),
        "offers": per_offer,
    }
