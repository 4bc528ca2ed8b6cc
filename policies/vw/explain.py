"""Why VW set one offer above the others: its terms' contributions, by feature, relative.

VW's score of an offer is the sum over its terms (the constant, each shared and action feature,
the shared-by-action products) of weight x value. The weights are read by name from a throw-away
copy of the model built with `record_feature_names=True` (10-20 ms), and `policies.attribution`
turns the contributions into reasons relative to the other candidates. Shared-only terms and the
constant add the same to every offer in VW (shared features are merged into every action), so
they never appear among the reasons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import vowpal_wabbit_next as vw

from policies.attribution import DecisionNames, Subject, relative_reasons
from policies.base import Candidate, Context, Reason
from policies.encoding import (
    ACTION_NAMESPACE,
    SHARED_NAMESPACE,
    action_features,
    event_lines,
    shared_features,
)

__all__ = ["contributions", "reasons"]


def reasons(
    vw_model: bytes,
    members: int,
    context: Context,
    candidates: Sequence[Candidate],
    index: int,
    top: int,
) -> tuple[Reason, ...]:
    """The `top` features that moved candidate `index`'s predicted reward most against the
    other candidates' (`policies.attribution.relative_reasons`)."""
    names = DecisionNames.of(context, candidates)
    return relative_reasons(names, contributions(vw_model, members, names), index, top)


def contributions(
    vw_model: bytes, members: int, names: DecisionNames
) -> list[dict[Subject, float]]:
    """Per candidate, each subject's part of its predicted reward (-cost).

    `members` is the number of bagged regressors whose contributions are averaged (1 unless
    `bag`; cover and rnd use their first learner, the regressor). Only terms of the features
    of this decision count (a weight learned for another customer's value is no part of it);
    their sum is VW's score before VW clips it to the range of the rewards it has seen.
    """
    shared = dict(shared_features(names.context))
    actions = [dict(action_features(c)) for c in names.candidates]
    viewer = vw.Workspace(model_data=vw_model, record_feature_names=True)
    parser = vw.TextFormatParser(viewer)
    viewer.predict_one(
        [parser.parse_line(line) for line in event_lines(names.context, names.candidates)]
    )
    weights = json.loads(viewer.json_weights(include_feature_names=True))["weights"]
    totals: list[dict[Subject, float]] = [{} for _ in actions]
    for entry in weights:
        terms = entry.get("terms")
        if not terms or (entry.get("offset") or 0) >= members:
            continue
        shared_names = [t["name"] for t in terms if t["namespace"] == SHARED_NAMESPACE]
        action_names = [t["name"] for t in terms if t["namespace"] == ACTION_NAMESPACE]
        if len(shared_names) + len(action_names) < len(terms) or not all(
            n in shared for n in shared_names
        ):
            continue  # the constant (the same for every offer), or another customer's feature
        subject = names.subject(shared_names, action_names)
        weight = -float(entry["value"]) * math.prod(shared[n] for n in shared_names) / members
        for features, total in zip(actions, totals, strict=True):
            if all(n in features for n in action_names):
                part = weight * math.prod(features[n] for n in action_names)
                total[subject] = total.get(subject, 0.0) + part
    return totals
