"""The uplift guard's flags: (offer, band) pairs whose uplift over `no_action` is confidently
negative, as stored in the shared state `uplift_guard` and read by the decision path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GUARD_STATE = "uplift_guard"
"""The name of the shared state (`nba.storage.set_state`) holding the last stored report."""


@dataclass(frozen=True, slots=True)
class GuardFlag:
    """One offer flagged in one churn band: its estimated uplift per customer and interval."""

    offer_id: str
    band: str
    uplift: float
    ci_low: float
    ci_high: float
    computed_at: str

    @property
    def reason(self) -> str:
        """Why a decision leaves the offer out, led by the rule's name (`ExcludedOffer`)."""
        return (
            f"uplift guard: in the {self.band} churn band offering {self.offer_id} is estimated "
            f"to lose {-self.uplift:.2f} per customer against no action (95% interval "
            f"{self.ci_low:+.2f} to {self.ci_high:+.2f}, computed {minute_words(self.computed_at)})"
        )


def flags_from_state(stored: Mapping[str, object] | None) -> tuple[GuardFlag, ...]:
    """The flags of a stored uplift report (`service.UpliftReports`); none when nothing is
    stored or an entry is malformed (a flag the guard cannot read is never applied)."""
    if stored is None:
        return ()
    report = stored.get("report")
    cells = report.get("cells") if isinstance(report, Mapping) else None
    computed = report.get("computed_at") if isinstance(report, Mapping) else None
    found = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, Mapping) or not cell.get("is_flagged"):
            continue
        uplift, low, high = (_finite(cell.get(k)) for k in ("uplift", "ci_low", "ci_high"))
        if uplift is None or low is None or high is None or high >= 0:
            continue
        found.append(
            GuardFlag(str(cell["offer_id"]), str(cell["band"]), uplift, low, high, str(computed))
        )
    return tuple(found)


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def minute_words(iso: str) -> str:
    """An ISO time to the minute, in UTC (`2026-12-01 22:45 UTC`); as given if it is none."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")
