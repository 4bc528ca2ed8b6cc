"""Uplift per offer and churn band: "always offer X" minus "always no_action", off-policy.

For one offer X and one band, the rows are the band's logged decisions where both X and
`no_action` were eligible. On them the two deterministic policies "always X" and "always
no_action" are estimated by the same estimator on the same rows, and their difference gets a
paired interval: the influence-function (delta-method) variance of the difference, so the
noise the two estimates share cancels. The estimator is DR with the cross-fitted reward model
when one is given (`estimated_rewards`), else SNIPS. In words, per row i with importance
weights w_X = 1[a_i = X] / p_i and w_0 = 1[a_i = no_action] / p_i:

- DR: uplift = mean(q(x, X) - q(x, 0) + w_X (r - q(x, X)) - w_0 (r - q(x, 0)))
- SNIPS: uplift = sum(w_X r) / sum(w_X) - sum(w_0 r) / sum(w_0)

A figure is only called when both policies have support: each one's effective sample size
(sum w)^2 / sum w^2, roughly the number of decisions that chose it, is at least `min_ess`, and
at most `MAX_UNSUPPORTED_SHARE` of the rows had a logging probability of 0 for either. Then the
verdict reads the interval: its lower end above 0 "saves customers", its upper end below 0
"sleeping dog" (offering it loses value against doing nothing), else "no clear effect".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from nba.errors import InvalidInput
from nba.ope.batch import BoolArray, FloatArray, IntArray
from nba.ope.evaluate import evaluate

MIN_ESS = 50.0
"""Effective decisions each of the two policies needs in a cell before its uplift is called."""
MAX_UNSUPPORTED_SHARE = 0.05
"""Share of a cell's rows the logging policy could not have served X or no_action on, above
which the estimate would be biased too much to call."""

SAVES = "saves customers"
SLEEPING_DOG = "sleeping dog"
NO_CLEAR_EFFECT = "no clear effect"
TOO_LITTLE_DATA = "too little data"
VERDICTS = (SAVES, SLEEPING_DOG, NO_CLEAR_EFFECT, TOO_LITTLE_DATA)


@dataclass(frozen=True, slots=True)
class UpliftEstimate:
    """The uplift of one offer over `no_action` in one churn band, with what it rests on.

    `rows` are the band's decisions where both were eligible; `offered` / `kept_quiet` how many
    of them chose the offer / no_action. `ess_offer` and `ess_no_action` are the two policies'
    effective sample sizes. `value` and `baseline` are "always the offer" and "always
    no_action" per customer, `uplift` their difference with its paired interval
    (`ci_low`, `ci_high`); all four are NaN when the verdict is "too little data", which
    `why` then explains. `acceptance_rate` is the share of the `answered` decisions that chose
    the offer and were accepted (None without answers).
    """

    offer_id: str
    band: str
    estimator: str
    rows: int
    offered: int
    kept_quiet: int
    ess_offer: float
    ess_no_action: float
    unsupported_share: float
    value: float
    baseline: float
    uplift: float
    ci_low: float
    ci_high: float
    answered: int
    accepted: int
    acceptance_rate: float | None
    verdict: str
    why: str

    @property
    def ess(self) -> float:
        """The smaller of the two effective sample sizes: what the difference rests on."""
        return min(self.ess_offer, self.ess_no_action)

    @property
    def is_called(self) -> bool:
        """Whether there was support enough to estimate the uplift."""
        return self.verdict != TOO_LITTLE_DATA

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (NaN becomes None)."""
        out = {k: _json_number(v) for k, v in asdict(self).items()}
        out["ess"] = _json_number(self.ess)
        return out


def estimate_uplift(
    reward: npt.ArrayLike,
    action: npt.ArrayLike,
    pscore: npt.ArrayLike,
    logging_dist: npt.ArrayLike,
    eligible: npt.ArrayLike,
    bands: Sequence[str] | npt.NDArray[np.str_],
    offer_ids: Sequence[str],
    *,
    no_action: str = "no_action",
    accepted: npt.ArrayLike | None = None,
    answered: npt.ArrayLike | None = None,
    estimated_rewards: npt.ArrayLike | None = None,
    band_names: Sequence[str] | None = None,
    alpha: float = 0.05,
    min_ess: float = MIN_ESS,
) -> tuple[UpliftEstimate, ...]:
    """One `UpliftEstimate` per offer (other than `no_action`) and band, offers in column order.

    Arrays are those of a decision log (`nba.ope.logs.LoggedData`): `reward`, `action`,
    `pscore` (n,); `logging_dist` and `eligible` (n, n_offers), column j being `offer_ids[j]`;
    `bands` (n,) each row's band name, `band_names` the bands to report in order (default:
    those present, sorted). `accepted` and `answered` (n,) booleans give acceptance rates.
    InvalidInput when `no_action` is not among the offers or shapes differ.
    """
    r = np.asarray(reward, dtype=np.float64)
    a = np.asarray(action, dtype=np.int64)
    p = np.asarray(pscore, dtype=np.float64)
    logging = np.asarray(logging_dist, dtype=np.float64)
    allowed = np.asarray(eligible, dtype=bool)
    band_of = np.asarray(bands, dtype=str)
    n = r.shape[0]
    ids = list(offer_ids)
    if no_action not in ids:
        raise InvalidInput("offer_ids", f"must include {no_action!r}, the baseline of every uplift")
    for name, array in (("logging_dist", logging), ("eligible", allowed)):
        if array.shape != (n, len(ids)):
            raise InvalidInput(name, f"must be (n={n}, {len(ids)}), got shape {array.shape}")
    if band_of.shape != (n,):
        raise InvalidInput("bands", f"must have one band per row (n={n}), got {band_of.shape}")
    if not 0 < alpha < 1:
        raise InvalidInput("alpha", f"must be in (0, 1), got {alpha}")
    q = None if estimated_rewards is None else np.asarray(estimated_rewards, dtype=np.float64)
    took = np.zeros(n, dtype=bool) if accepted is None else np.asarray(accepted, dtype=bool)
    heard = np.zeros(n, dtype=bool) if answered is None else np.asarray(answered, dtype=bool)
    base = ids.index(no_action)
    names = sorted(set(band_of.tolist())) if band_names is None else list(band_names)
    cells = []
    for j, offer in enumerate(ids):
        if j == base:
            continue
        for band in names:
            keep = (band_of == band) & allowed[:, j] & allowed[:, base]
            cell = _Cell(
                offer, band, j, base, r[keep], a[keep], p[keep], logging[keep],
                None if q is None else q[keep], took[keep], heard[keep],
            )  # fmt: skip
            cells.append(_cell(cell, alpha, min_ess))
    return tuple(cells)


@dataclass(frozen=True, slots=True)
class _Cell:
    offer_id: str
    band: str
    column: int
    base: int
    reward: FloatArray
    action: IntArray
    pscore: FloatArray
    logging: FloatArray
    q: FloatArray | None
    accepted: BoolArray
    answered: BoolArray


def _cell(c: _Cell, alpha: float, min_ess: float) -> UpliftEstimate:
    n = int(c.reward.shape[0])
    estimator = "snips" if c.q is None else "dr"
    is_offer, is_quiet = c.action == c.column, c.action == c.base
    ess_offer = _ess(is_offer / c.pscore)
    ess_quiet = _ess(is_quiet / c.pscore)
    if n:
        unsupported = float(((c.logging[:, c.column] <= 0) | (c.logging[:, c.base] <= 0)).mean())
    else:
        unsupported = 0.0
    answered = int((is_offer & c.answered).sum())
    accepted = int((is_offer & c.answered & c.accepted).sum())
    rate = accepted / answered if answered else None
    thin = _thin(c.offer_id, n, ess_offer, ess_quiet, unsupported, min_ess)
    nan = math.nan
    value = baseline = uplift = low = high = nan
    if thin is None:
        offer_dist = np.zeros_like(c.logging)
        offer_dist[:, c.column] = 1.0
        quiet_dist = np.zeros_like(c.logging)
        quiet_dist[:, c.base] = 1.0
        (e,) = evaluate(
            c.reward, c.action, c.pscore, offer_dist, c.q, estimators=[estimator],
            alpha=alpha, interval="normal", baseline_dist=quiet_dist, logging_dist=c.logging,
        )  # fmt: skip
        value, uplift, low, high = e.value, e.lift, e.lift_ci_low, e.lift_ci_high
        baseline = value - uplift
    verdict, why = _verdict(c.offer_id, uplift, low, high, alpha, thin)
    return UpliftEstimate(
        offer_id=c.offer_id,
        band=c.band,
        estimator=estimator,
        rows=n,
        offered=int(is_offer.sum()),
        kept_quiet=int(is_quiet.sum()),
        ess_offer=ess_offer,
        ess_no_action=ess_quiet,
        unsupported_share=unsupported,
        value=value,
        baseline=baseline,
        uplift=uplift,
        ci_low=low,
        ci_high=high,
        answered=answered,
        accepted=accepted,
        acceptance_rate=rate,
        verdict=verdict,
        why=why,
    )


def _ess(weights: FloatArray) -> float:
    squares = float(weights @ weights)
    return float(weights.sum()) ** 2 / squares if squares > 0 else 0.0


def _thin(
    offer: str, n: int, ess_offer: float, ess_quiet: float, unsupported: float, min_ess: float
) -> str | None:
    """Why the cell's support is too thin to call (None: it is not)."""
    if n == 0:
        return f"{offer} and no_action were never both eligible for a customer of this band"
    short = [
        f"{name} ({ess:.0f})"
        for name, ess in ((offer, ess_offer), ("no_action", ess_quiet))
        if ess < min_ess
    ]
    if short:
        return (
            f"too few decisions to tell: the effective sample size of {' and '.join(short)} is "
            f"below {min_ess:g}"
        )
    if unsupported > MAX_UNSUPPORTED_SHARE:
        return (
            f"the logging policy could not choose {offer} or no_action for "
            f"{100 * unsupported:.0f}% of these customers (probability 0), so the log cannot "
            "say what it would have done"
        )
    return None


def _verdict(
    offer: str, uplift: float, low: float, high: float, alpha: float, thin: str | None
) -> tuple[str, str]:
    level = f"{100 * (1 - alpha):g}%"
    if thin is not None:
        return TOO_LITTLE_DATA, f"no figure: {thin}"
    interval = f"{level} interval {low:+.4g} to {high:+.4g}"
    if low > 0:
        return SAVES, (
            f"offering {offer} instead of nothing gains {uplift:.4g} per customer ({interval}): "
            "the whole interval is above 0"
        )
    if high < 0:
        return SLEEPING_DOG, (
            f"offering {offer} instead of nothing loses {-uplift:.4g} per customer ({interval}): "
            "the whole interval is below 0, the offer makes these customers leave (or costs "
            "more than it keeps)"
        )
    return NO_CLEAR_EFFECT, (
        f"{uplift:+.4g} per customer ({interval}): the interval includes 0, no clear effect "
        "either way"
    )


def _json_number(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
