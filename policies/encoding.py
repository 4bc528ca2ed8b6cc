"""One feature encoding for every learner: VW text lines and the hashed numeric vectors.

Both come from the same canonical feature lists (`shared_features`, `action_features`), so
VW and the numpy linear policies see "the same features":

- shared (VW namespace `s`): every context feature, numbers as `key:value`, strings and
  bools as the categorical `key=value`, plus `churn:<score>` and `churn_dec=<0..9>`;
- action (VW namespace `a`): the offer's features by the same rules, `category=<c>` and
  `offer=<id>`.

User keys and values pass through `token()` (whitespace, `|`, `:`, control characters and
lone surrogates become `_`; in keys `=` too) and numbers through `number()` (finite,
|x| <= 1e9), so no user text can start a namespace, split a feature or make VW's text
parser fail. A parse error must never happen: in vowpal-wabbit-next 0.7.0 it poisons the
process-wide example pool (see shared/vw-next-notes.md, section 3).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from functools import lru_cache
from numbers import Real

import numpy as np
import numpy.typing as npt

from policies.base import Candidate, Context, FeatureValue

__all__ = [
    "ACTION_NAMESPACE",
    "RESERVED_ACTION_KEYS",
    "RESERVED_SHARED_KEYS",
    "SHARED_NAMESPACE",
    "EncodedFeature",
    "NumericEncoder",
    "action_features",
    "action_line",
    "churn_decile",
    "event_lines",
    "number",
    "shared_features",
    "shared_line",
    "token",
]

SHARED_NAMESPACE = "s"
ACTION_NAMESPACE = "a"
RESERVED_SHARED_KEYS = frozenset({"churn", "churn_dec"})
RESERVED_ACTION_KEYS = frozenset({"offer", "category"})

# VW refused to learn from 1e12-sized features ("too much magnitude", NaN updates) and learned
# fine at 1e9 with -q sa: scale money and counts before they reach a policy.
_MAX_ABS = 1e9
_MIN_ABS = 1e-20
_BAD = re.compile(r"[\s|:\x00-\x1f\x7f\ud800-\udfff]")

EncodedFeature = tuple[str, float]
"""One feature as VW sees it: its name (`k=v` or `k`) and its value (1.0 for categoricals)."""


def token(text: str) -> str:
    """Make user text one safe VW name: never empty, no separators, no control characters."""
    return _BAD.sub("_", text) or "_"


def number(value: float, feature: str) -> float:
    """Check that a numeric feature is finite and within ±1e9 (ValueError names it).

    Magnitudes below 1e-20 become 0: VW's float parser turned `1.1337029e-198` into inf
    (which then made every weight NaN), while 20,000 random values in [1e-25, 1e31] were
    parsed within float32 precision.
    """
    x = float(value)
    if not math.isfinite(x) or abs(x) > _MAX_ABS:
        raise ValueError(f"feature {feature!r}: must be a finite number within ±1e9, got {value!r}")
    return 0.0 if abs(x) < _MIN_ABS else x


def churn_decile(churn_score: float) -> int:
    """The churn band 0..9 (0.82 → 8; 1.0 → 9)."""
    return min(int(churn_score * 10), 9)


def _check_churn(churn_score: float) -> float:
    if isinstance(churn_score, bool) or not isinstance(churn_score, Real):
        raise ValueError(f"churn_score: must be a number in [0, 1], got {churn_score!r}")
    x = float(churn_score)
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise ValueError(f"churn_score: must be in [0, 1], got {churn_score!r}")
    return x


def _feature(key: object, value: FeatureValue, reserved: frozenset[str]) -> EncodedFeature:
    if type(key) is str and type(value) in _CACHEABLE:
        # The type is part of the cache key: True == 1 but they encode differently.
        return _cached_feature(key, value, type(value), reserved)
    return _encode_feature(key, value, reserved)


_CACHEABLE = frozenset({str, bool, int, float})


def _encode_feature(key: object, value: FeatureValue, reserved: frozenset[str]) -> EncodedFeature:
    if not isinstance(key, str):
        raise ValueError(f"feature {key!r}: names must be strings")
    # `=` in a name would make a number look like a categorical (`a=b:1`), so it goes too.
    name = token(key).replace("=", "_")
    if name in reserved:
        raise ValueError(f"feature {key!r}: the name is reserved by the encoder")
    if isinstance(value, bool):
        return f"{name}={'true' if value else 'false'}", 1.0
    if isinstance(value, str):
        return f"{name}={token(value)}", 1.0
    if isinstance(value, Real):
        return name, number(value, key)
    raise ValueError(
        f"feature {key!r}: must be a number, string or bool, got {type(value).__name__}"
    )


@lru_cache(maxsize=1 << 16)
def _cached_feature(
    key: str, value: FeatureValue, kind: type, reserved: frozenset[str]
) -> EncodedFeature:
    return _encode_feature(key, value, reserved)


def shared_features(context: Context) -> tuple[EncodedFeature, ...]:
    """The shared (context) features of one decision, validated and sanitised."""
    churn = _check_churn(context.churn_score)
    encoded = [_feature(k, v, RESERVED_SHARED_KEYS) for k, v in context.features]
    encoded.append(("churn", number(churn, "churn_score")))
    encoded.append((f"churn_dec={churn_decile(churn)}", 1.0))
    return tuple(encoded)


def action_features(candidate: Candidate) -> tuple[EncodedFeature, ...]:
    """The action (offer) features of one candidate, validated and sanitised."""
    for field in ("offer_id", "category"):
        if not isinstance(getattr(candidate, field), str):
            raise ValueError(f"{field}: must be a string, got {getattr(candidate, field)!r}")
    encoded = [_feature(k, v, RESERVED_ACTION_KEYS) for k, v in candidate.features]
    encoded.append((f"category={token(candidate.category)}", 1.0))
    encoded.append((f"offer={token(candidate.offer_id)}", 1.0))
    return tuple(encoded)


def _text(features: Sequence[EncodedFeature]) -> str:
    # Categoricals are written bare (value 1); numbers with 9 significant digits (float32 exact).
    return " ".join(name if "=" in name else f"{name}:{value:.9g}" for name, value in features)


def shared_line(context: Context) -> str:
    """The VW `shared |s ...` line of a context."""
    return f"shared |{SHARED_NAMESPACE} {_text(shared_features(context))}"


def action_line(candidate: Candidate, label: tuple[float, float] | None = None) -> str:
    """The VW `|a ...` line of one candidate, with an optional `(cost, propensity)` label."""
    head = ""
    if label is not None:
        cost, propensity = label
        head = f"0:{number(cost, 'cost'):.9g}:{number(propensity, 'propensity'):.9g} "
    return f"{head}|{ACTION_NAMESPACE} {_text(action_features(candidate))}"


def event_lines(
    context: Context,
    candidates: Sequence[Candidate],
    label: tuple[int, float, float] | None = None,
) -> list[str]:
    """All VW lines of one decision: shared line, then one line per candidate in order.

    `label` is `(chosen index, cost, propensity)`; VW wants it on the chosen line only.
    """
    if label is not None and not 0 <= label[0] < len(candidates):
        raise ValueError(f"chosen: must index the {len(candidates)} candidates, got {label[0]}")
    lines = [shared_line(context)]
    for i, candidate in enumerate(candidates):
        own = (label[1], label[2]) if label is not None and i == label[0] else None
        lines.append(action_line(candidate, own))
    return lines


@lru_cache(maxsize=1 << 16)
def _slot(key: str, dim: int) -> tuple[int, float]:
    # A stable hash (Python's own is salted per process) with a sign bit to halve collision bias.
    h = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "replace"), digest_size=8).digest())
    return h % dim, (1.0 if (h >> 63) & 1 else -1.0)


class NumericEncoder:
    """Hashed dense vectors of the same features, with shared-by-action interactions.

    `encode(context, candidates)` gives a float64 array of shape (len(candidates), dim):
    a constant, every shared and action feature, and (if `interactions`) every product of
    a shared and an action feature, each hashed to a signed slot.
    """

    def __init__(self, dim: int = 128, interactions: bool = True) -> None:
        """Fix the dimension (a power of two is not required) and whether to cross features."""
        if isinstance(dim, bool) or not isinstance(dim, int) or not 8 <= dim <= 4096:
            raise ValueError(f"dim: must be an integer in [8, 4096], got {dim!r}")
        self.dim = dim
        self.interactions = bool(interactions)

    def encode(self, context: Context, candidates: Sequence[Candidate]) -> npt.NDArray[np.float64]:
        """One row per candidate, in the candidates' order."""
        shared = shared_features(context)
        base = np.zeros(self.dim)
        self._add(base, "Constant", 1.0)
        for name, value in shared:
            self._add(base, f"s^{name}", value)
        out = np.tile(base, (len(candidates), 1))
        for row, candidate in zip(out, candidates, strict=True):
            for a_name, a_value in action_features(candidate):
                self._add(row, f"a^{a_name}", a_value)
                if self.interactions:
                    for s_name, s_value in shared:
                        self._add(row, f"s^{s_name}*a^{a_name}", s_value * a_value)
        return out

    def _add(self, row: npt.NDArray[np.float64], key: str, value: float) -> None:
        index, sign = _slot(key, self.dim)
        row[index] += sign * value
