"""What a campaign did: budget use and shadow prices per offer, and its effect over the holdout.

The holdout is a random share of the customers kept out (`no_action`), so the difference
between the treated customers (every one assigned by the campaign, whatever it chose for
them, explored or not) and the holdout in acceptance and in retention estimates the
campaign's effect: an accept is not a save, the retention difference is. Differences of two
rates come with Newcombe's 95% interval (from the two Wilson intervals); both are None until
answers arrive in both arms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nba.domain import Campaign
from nba.evaluation.stats import wilson
from nba.storage.campaigns import GroupFigures


def rate_difference(hits_a: int, n_a: int, hits_b: int, n_b: int) -> dict[str, float | None]:
    """Rate of a minus rate of b with Newcombe's hybrid score 95% interval."""
    p1, l1, u1 = wilson(hits_a, n_a)
    p2, l2, u2 = wilson(hits_b, n_b)
    if p1 is None or p2 is None or l1 is None or u1 is None or l2 is None or u2 is None:
        return {"difference": None, "ci_low": None, "ci_high": None}
    diff = p1 - p2
    return {
        "difference": diff,
        "ci_low": diff - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        "ci_high": diff + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    }


def campaign_report(campaign: Campaign, figures: Sequence[GroupFigures]) -> dict[str, object]:
    """The campaign's report (JSON-ready): per offer, per arm, and the effect."""
    arms = {name: _arm([f for f in figures if f.holdout == held]) for name, held in _ARMS}
    treated, holdout = arms["treated"], arms["holdout"]
    accepts = rate_difference(
        treated["accepts"], treated["answered"], holdout["accepts"], holdout["answered"]
    )
    retention = rate_difference(
        treated["retained"],
        treated["retention_answered"],
        holdout["retained"],
        holdout["retention_answered"],
    )
    saves = {
        key: None if value is None else value * treated["customers"]
        for key, value in retention.items()
    }
    return {
        "campaign_id": campaign.id,
        "status": campaign.status,
        "offers": _offers(campaign.summary, figures),
        "contact_rules": campaign.summary.get("contact_rules"),
        "arms": arms,
        "effect": {
            "accept_rate": accepts,
            "retention_rate": retention,
            "incremental_retained": saves,
        },
    }


_ARMS = (("treated", False), ("holdout", True))


def _arm(groups: Sequence[GroupFigures]) -> dict[str, int]:
    return {
        "customers": sum(g.assigned for g in groups),
        "answered": sum(g.answered for g in groups),
        "accepts": sum(g.accepts for g in groups),
        "retention_answered": sum(g.retention_answered for g in groups),
        "retained": sum(g.retained for g in groups),
    }


def _offers(
    summary: Mapping[str, object], figures: Sequence[GroupFigures]
) -> list[dict[str, object]]:
    planned = summary.get("offers")
    rows = [dict(o) for o in planned if isinstance(o, Mapping)] if isinstance(planned, list) else []
    treated = {f.offer_id: f for f in figures if not f.holdout}
    for row in rows:
        seen = treated.get(str(row["offer_id"]))
        answered = seen.answered if seen else 0
        accepted = seen.accepts if seen else 0
        rate, low, high = wilson(accepted, answered)
        row |= {
            "answered": answered,
            "accepts": accepted,
            "accept_rate": rate,
            "accept_rate_ci_low": low,
            "accept_rate_ci_high": high,
        }
    return rows
