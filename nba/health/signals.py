"""The raw signals a health score is built from: their names, kinds and ranges.

A CRM without a churn model sends what it knows of a customer's recent contacts, network,
usage, payments, satisfaction and contract (DOMAIN.md §1, §2); every signal is optional, and a
signal left out counts as not firing. The set is fixed: the weights file picks thresholds and
weights over these names, the request body validates them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SignalValue = float | int | bool


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One signal: its kind (`count`, `number` or `flag`), its range and what it means."""

    name: str
    kind: str
    meaning: str
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_flag(self) -> bool:
        """Whether the signal is a yes/no fact (a JSON boolean), not a number."""
        return self.kind == "flag"


def _count(name: str, meaning: str) -> SignalSpec:
    return SignalSpec(name, "count", meaning, 0, 10_000)


SIGNALS: Mapping[str, SignalSpec] = {
    s.name: s
    for s in (
        _count("support_calls_7d", "calls to support in the last 7 days"),
        _count("support_calls_30d", "calls to support in the last 30 days"),
        _count("unresolved_tickets", "support tickets open and not resolved"),
        _count("technician_visits_60d", "technician (repair) visits in the last 60 days"),
        _count("outages_30d", "service outages the customer had in the last 30 days"),
        _count("session_drops_30d", "dropped sessions (re-establishments) in the last 30 days"),
        SignalSpec(
            "usage_change_14d_pct",
            "number",
            "change in usage over the last 14 days against the 14 before, in percent "
            "(-30: a 30% drop)",
            -100,
            10_000,
        ),
        _count("late_payments_90d", "late payments in the last 90 days"),
        _count("failed_payments_90d", "failed payment transactions in the last 90 days"),
        SignalSpec("bill_shock", "flag", "the last bill was well above what the customer expects"),
        SignalSpec("downgraded_6m", "flag", "the customer moved to a cheaper plan within 6 months"),
        SignalSpec("last_rating", "number", "the last satisfaction rating, 1 (worst) to 5", 1, 5),
        SignalSpec("not_solved", "flag", "the customer answered 'no' to 'was it solved?'"),
        SignalSpec("tenure_months", "number", "months since the customer joined", 0, 1200),
        SignalSpec(
            "contract_days_left",
            "number",
            "days until the contract's term ends (leave out for no fixed term)",
            0,
            36_500,
        ),
    )
}
"""Every signal a request may send, by name."""
