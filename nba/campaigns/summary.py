"""What a finished campaign holds, per offer: assignments, expected accepts and spend, budget
use and shadow price, and what the contact rules held back; counted while its parts are
joined into the output file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from nba.campaigns import output
from nba.campaigns.contacts import exclusion_counts
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
    customers_held, offers_held = exclusion_counts(), exclusion_counts()
    by_offer = {o.id: exclusion_counts() for o in offers}
    for table in output.join_parts(spec.out):
        _count_exclusions(table, customers_held, offers_held, by_offer)
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
                "held_back": by_offer[offer.id],
            }
        )
    return {
        "out": spec.out,
        "assigned": rows,
        "holdout": held,
        "explored": explored,
        "bad_rows": plan["bad_rows"],
        "expected_reward": float(reward.sum()),
        "contact_rules": {
            rule: {"customers": customers_held[rule], "offers": offers_held[rule]}
            for rule in customers_held
        },
        "offers": per_offer,
    }


def _count_exclusions(
    table: pa.Table,
    customers: dict[str, int],
    offers: dict[str, int],
    by_offer: Mapping[str, dict[str, int]],
) -> None:
    """Add a part's exclusions: customers each rule held offers back from, the (customer,
    offer) pairs it held back, and those of each offer."""
    rules = table.column("contact_rule").to_pylist()
    for rule, excluded in zip(rules, table.column("excluded").to_pylist(), strict=True):
        if rule is None or excluded is None:
            continue
        held = orjson.loads(excluded)
        customers[rule] += 1
        offers[rule] += len(held)
        for entry in held:
            by_offer[entry["offer_id"]][rule] += 1
