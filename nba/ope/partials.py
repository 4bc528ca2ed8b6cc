"""What one part of a log adds to an evaluation: sums that add across parts, and the results
made from the summed parts.

The Dask engine (`nba.ope.dask_engine`) computes these on each partition of a log and adds
them on the client; `nba.ope.run` makes its breakdown by offer from the one part that is the
whole log. Every sum runs over rows, so a log split anywhere gives its whole's sums up to
rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nba.ope.batch import Batch, FloatArray, IntArray
from nba.ope.intervals import normal_interval_of_sums
from nba.ope.terms import Decomposition, decompose, form

if TYPE_CHECKING:
    from nba.ope.run import BandRow, OfferRow


def decompositions(
    b: Batch, names: Sequence[str], lambdas: Mapping[str, float]
) -> list[Decomposition]:
    """The decompositions of `names` on this batch (tuned ones at their resolved lambda)."""
    return [decompose(name, b, lambdas.get(name)) for name in names]


def terms_of(parts: Sequence[Decomposition]) -> FloatArray:
    """The terms of several decompositions side by side: (n, total width)."""
    return np.concatenate([p.terms for p in parts], axis=1)


def values_of(names: Sequence[str], means: FloatArray) -> list[float]:
    """Each estimator's value from the log's column means of `terms_of` their parts."""
    out = []
    column = 0
    for name in names:
        f = form(name)
        out.append(float(f.combine(means[column : column + f.width])))
        column += f.width
    return out


@dataclass(frozen=True, slots=True)
class OfferSums:
    """Per offer column: rows logged with it, logging and candidate probability, and the
    additive contribution of the offer to DR (or IPS without a model), all summed over rows."""

    n: int
    logged: FloatArray
    logging: FloatArray
    candidate: FloatArray
    contribution: FloatArray

    def __add__(self, other: OfferSums) -> OfferSums:
        return OfferSums(
            self.n + other.n,
            self.logged + other.logged,
            self.logging + other.logging,
            self.candidate + other.candidate,
            self.contribution + other.contribution,
        )


def offer_sums(b: Batch, logging_dist: FloatArray) -> OfferSums:
    """The offer sums of one batch; DR's contribution when it has a reward model.

    DR's value is a sum over offers of mean(pi(a|x) q(x, a) + 1[a_i = a] w_i (r_i - q_i));
    without a model the IPS share mean(1[a_i = a] w_i r_i) is given instead.
    """
    k = b.n_actions
    if b.estimated_rewards is None or b.q_logged is None:
        contribution = np.asarray(
            np.bincount(b.action, weights=b.weight * b.reward, minlength=k), dtype=np.float64
        )
    else:
        residual = b.weight * (b.reward - b.q_logged)
        corrections = np.bincount(b.action, weights=residual, minlength=k)
        contribution = (b.action_dist * b.estimated_rewards).sum(axis=0) + corrections
    return OfferSums(
        n=b.n,
        logged=np.bincount(b.action, minlength=k).astype(np.float64),
        logging=logging_dist.sum(axis=0),
        candidate=b.action_dist.sum(axis=0),
        contribution=contribution,
    )


def offer_rows(offer_ids: Sequence[str], sums: OfferSums, has_model: bool) -> tuple[OfferRow, ...]:
    """The breakdown by offer from the log's summed `OfferSums`."""
    n = sums.n
    rows: list[OfferRow] = []
    for j, offer in enumerate(offer_ids):
        rows.append(
            {
                "offer_id": offer,
                "logging_share": float(sums.logging[j] / n),
                "logged_share": float(sums.logged[j] / n),
                "candidate_share": float(sums.candidate[j] / n),
                "contribution": float(sums.contribution[j] / n),
                "contribution_estimator": "dr" if has_model else "ips",
            }
        )
    return tuple(rows)


def band_sums(
    b: Batch, band: IntArray, n_bands: int, name: str, lambdas: Mapping[int, float]
) -> FloatArray:
    """Per band (n_bands, 2 + width): rows, sum of rewards, sums of `name`'s terms there."""
    width = form(name).width
    out = np.zeros((n_bands, 2 + width))
    for j in range(n_bands):
        keep = band == j
        if not keep.any():
            continue
        terms = decompose(name, b, lambdas.get(j)).terms[keep]
        out[j, 0] = keep.sum()
        out[j, 1] = b.reward[keep].sum()
        out[j, 2:] = terms.sum(axis=0)
    return out


def band_influence_sums(
    b: Batch,
    band: IntArray,
    sums: FloatArray,
    name: str,
    lambdas: Mapping[int, float],
) -> FloatArray:
    """Per band (n_bands, 4): sums of the influence terms of `name` and of its lift over the
    logging policy, and of their squares, given the log's summed `band_sums`."""
    f = form(name)
    out = np.zeros((sums.shape[0], 4))
    for j in range(sums.shape[0]):
        keep = band == j
        if not keep.any() or sums[j, 0] == 0:
            continue
        means = sums[j, 2:] / sums[j, 0]
        terms = decompose(name, b, lambdas.get(j)).terms[keep]
        influence = (terms - means) @ f.gradient(means)
        lift = influence - (b.reward[keep] - sums[j, 1] / sums[j, 0])
        out[j] = (influence.sum(), influence @ influence, lift.sum(), lift @ lift)
    return out


def band_rows(
    bands: Sequence[str],
    name: str,
    sums: FloatArray,
    influence: FloatArray,
    alpha: float,
) -> tuple[BandRow, ...]:
    """The breakdown by churn band (normal intervals) from the summed band sums; bands with
    fewer than two rows are left out."""
    combine = form(name).combine
    rows: list[BandRow] = []
    for j, label in enumerate(bands):
        n = int(sums[j, 0])
        if n < 2:
            continue
        value = float(combine(sums[j, 2:] / n))
        logging_value = float(sums[j, 1] / n)
        low, high, _ = normal_interval_of_sums(value, influence[j, 0], influence[j, 1], n, alpha)
        lift = value - logging_value
        lift_low, lift_high, _ = normal_interval_of_sums(
            lift, influence[j, 2], influence[j, 3], n, alpha
        )
        rows.append(
            {
                "band": label,
                "rows": n,
                "estimator": name,
                "value": value,
                "ci_low": low,
                "ci_high": high,
                "logging_value": logging_value,
                "lift": lift,
                "lift_ci_low": lift_low,
                "lift_ci_high": lift_high,
            }
        )
    return tuple(rows)
