"""What the service says about the reasons behind a choice: the reasons, or why there are none."""

from __future__ import annotations

from dataclasses import dataclass

from policies.base import Reason

ONE_OFFER = "only one offer was eligible, so nothing had to set it above another"
ALIKE = (
    "no feature sets this offer apart from the others: the policy scores them alike "
    "(a new model has learned nothing yet)"
)
RULES = "the churn-band rules decide (apprentice mode)"
SWAPPED = "a new model version went live while deciding; its reasons would not apply"


@dataclass(frozen=True, slots=True)
class Explanation:
    """The reasons behind one choice (None: the policy cannot say), and a note when there are
    none; `model_version` is the version that gave them, `basis` says so in words when they
    are recomputed later (which policy state, and how it relates to the one that decided)."""

    reasons: tuple[Reason, ...] | None
    note: str | None = None
    model_version: int | None = None
    basis: str | None = None


def explanation(
    reasons: tuple[Reason, ...] | None,
    *,
    candidates: int,
    cannot: str,
    model_version: int | None = None,
    basis: str | None = None,
) -> Explanation:
    """The explanation of a policy's answer: its reasons, with the note that fits them.

    `cannot` is said when the policy cannot explain (`reasons` None); one candidate or no
    reasons get their own notes.
    """
    if reasons is None:
        return Explanation(None, cannot, model_version, basis)
    if candidates == 1:
        return Explanation((), ONE_OFFER, model_version, basis)
    if not reasons:
        return Explanation((), ALIKE, model_version, basis)
    return Explanation(reasons, None, model_version, basis)
