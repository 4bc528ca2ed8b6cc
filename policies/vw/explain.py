"""Explanations of a VW score: the features with the largest weight x value for one candidate."""

from __future__ import annotations

import json
import math

import vowpal_wabbit_next as vw

from policies.base import Candidate, Context, Reason
from policies.encoding import action_features, action_line, shared_features, shared_line

__all__ = ["reasons"]


def reasons(
    vw_model: bytes, members: int, context: Context, candidate: Candidate, top: int
) -> tuple[Reason, ...]:
    """The `top` largest contributions to one candidate's predicted reward (-cost).

    Positive raises the offer. Terms include the constant, each shared and action feature and
    the interaction products, read by name from a throw-away copy of `vw_model` (VW's own bytes)
    built with `record_feature_names=True` (10-20 ms). `members` is the number of bagged
    regressors whose contributions are averaged (1 unless `bag`; cover and rnd use their first,
    regressor, learner). Terms whose weight is exactly zero are left out.
    """
    values = {("s", n): v for n, v in shared_features(context)}
    values.update({("a", n): v for n, v in action_features(candidate)})
    values[("", "Constant")] = 1.0
    lines = [shared_line(context), action_line(candidate)]
    viewer = vw.Workspace(model_data=vw_model, record_feature_names=True)
    parser = vw.TextFormatParser(viewer)
    viewer.predict_one([parser.parse_line(line) for line in lines])
    weights = json.loads(viewer.json_weights(include_feature_names=True))["weights"]
    totals: dict[tuple[tuple[str, str], ...], float] = {}
    for entry in weights:
        if not entry.get("terms") or (entry.get("offset") or 0) >= members:
            continue
        terms = tuple((t["namespace"], t["name"]) for t in entry["terms"])
        if not all(t in values for t in terms):
            continue
        value = math.prod(values[t] for t in terms)
        totals[terms] = totals.get(terms, 0.0) - entry["value"] * value / members
    named = sorted(totals.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    return tuple(
        Reason(feature="*".join(name for _, name in terms), weight=float(w))
        for terms, w in named[:top]
        if w != 0.0 and math.isfinite(w)
    )
