"""Reasons from per-feature contributions: what set one candidate above the other candidates.

A learner whose score is a sum of terms (VW's linear model with interactions, the linear
bandits' ridge models) gives each candidate's terms to `DecisionNames.subject`, which names what
a term is about in the user's words: a context field as the caller sent it, the churn score,
or one of the offer's features. `relative_reasons` then ranks, for one candidate, how much each
subject added to its score minus what it added, on average, to the other candidates'. A
subject that adds the same to every candidate (a constant, context terms not crossed with the
offer) cannot set one offer above another and is left out, so the reasons of two offers of
one decision differ, and their weights sum to the candidate's score minus the mean score of
the others (before any clipping of the scores).

A term crossing a context field with an offer feature (VW's `-q sa`) is the context field's:
it is how this customer's value of the field moves this offer, which is what personalises the
choice; terms of the offer's features alone are the offer's (its appeal to everyone).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from policies.base import Candidate, Context, FeatureValue, Reason
from policies.encoding import action_features, shared_features

__all__ = ["CHURN", "DecisionNames", "Subject", "relative_reasons"]

CHURN = "churn_score"
"""The subject of the churn-score terms (VW's `churn` and `churn_dec=<band>` features)."""

Subject = tuple[str, tuple[str, ...]]
"""What a term is about: a source (`Reason.source`) and the names of the features it crosses."""

_SAME = 1e-9
"""Contributions this close (relative to their size) count as the same for every candidate."""


@dataclass(frozen=True, slots=True)
class DecisionNames:
    """The encoded feature names of one decision, mapped back to what the caller named them.

    `shared` maps each encoded shared name (`tenure_months`, `plan=gold`, `churn_dec=8`) to
    its context field (or `churn_score`); `action` maps the candidates' encoded action names
    (`discount_pct`, `category=discount`, `offer=disc10`) to the offer feature's name
    (`discount_pct`, `category`, `offer`).
    """

    context: Context
    candidates: tuple[Candidate, ...]
    shared: Mapping[str, str]
    action: Mapping[str, str]

    @classmethod
    def of(cls, context: Context, candidates: Sequence[Candidate]) -> DecisionNames:
        """Names of `context` and `candidates` as the encoder writes them for every learner."""
        encoded = shared_features(context)
        n = len(context.features)
        shared = {
            name: key for (name, _), (key, _) in zip(encoded[:n], context.features, strict=True)
        }
        shared.update({name: CHURN for name, _ in encoded[n:]})
        action: dict[str, str] = {}
        for candidate in candidates:
            keys = [key for key, _ in candidate.features] + ["category", "offer"]
            names = action_features(candidate)
            action.update({name: key for (name, _), key in zip(names, keys, strict=True)})
        return cls(context, tuple(candidates), shared, action)

    def subject(self, shared_names: Iterable[str], action_names: Iterable[str]) -> Subject:
        """What a term of these shared and action features is about.

        Any context field makes it the context's (the churn score joins as `churn_score`); the
        churn score alone makes it `churn_score`'s; otherwise it is the offer's. A term of no
        feature (a constant) is the offer's own: for a learner with one model per offer that
        constant is the offer's baseline, and for VW it is the same for all and drops out.
        """
        fields = {self.shared[n] for n in shared_names}
        if fields:
            named = sorted(fields - {CHURN}) + ([CHURN] if CHURN in fields else [])
            return ("context" if named[0] != CHURN else CHURN, tuple(named))
        offer = sorted({self.action[n] for n in action_names})
        return ("offer", tuple(offer) or ("offer",))

    def value(self, subject: Subject, index: int) -> FeatureValue | None:
        """The customer's value of a context subject, candidate `index`'s of an offer subject."""
        source, names = subject
        if source == "offer":
            candidate = self.candidates[index]
            own: dict[str, FeatureValue] = {
                **dict(candidate.features),
                "category": candidate.category,
                "offer": candidate.offer_id,
            }
            values = [own.get(n) for n in names]
        else:
            known: dict[str, FeatureValue] = {
                **dict(self.context.features),
                CHURN: self.context.churn_score,
            }
            values = [known.get(n) for n in names]
        if len(values) == 1:
            return values[0]
        return " & ".join("-" if v is None else str(v) for v in values)


def relative_reasons(
    names: DecisionNames,
    contributions: Sequence[Mapping[Subject, float]],
    index: int,
    top: int,
) -> tuple[Reason, ...]:
    """The `top` subjects that moved candidate `index` most against the others, largest first.

    `contributions[i]` maps each subject to its total in candidate i's score. The weight of a
    subject is candidate `index`'s total minus the mean of the other candidates' (0 where a
    candidate has no such term); subjects equal for every candidate are left out. Ties are
    broken by name so that the answer is deterministic. One candidate gives no reasons.
    """
    if len(contributions) < 2:
        return ()
    subjects = sorted({s for c in contributions for s in c})
    ranked: list[tuple[float, Subject]] = []
    for subject in subjects:
        values = [c.get(subject, 0.0) for c in contributions]
        if not all(math.isfinite(v) for v in values):
            continue
        size = max(abs(v) for v in values)
        if max(values) - min(values) <= _SAME * size:
            continue
        others = values[:index] + values[index + 1 :]
        weight = values[index] - math.fsum(others) / len(others)
        ranked.append((weight, subject))
    ranked.sort(key=lambda pair: (-abs(pair[0]), pair[1]))
    return tuple(
        Reason(
            feature=" & ".join(subject[1]),
            weight=float(weight),
            source=subject[0],
            value=names.value(subject, index),
        )
        for weight, subject in ranked[:top]
    )
