"""One feature encoding for every learner: VW text lines and the hashed numeric vectors.

Both come from the same canonical feature lists (`shared_features`, `action_features`), so
VW and the numpy linear policies see "the same features":

- shared (VW namespace `s`): every context feature, numbers as `key:value`, strings and
  bools as the categorical `key=value`, plus `churn:<score>` and `churn_dec=<0..9>`;
- action (VW namespace `a`): the offer's features by the same rules, `category=<c>` and
  `offer=<id>`.

User keys and values pass through `token()` and numbers through `number()` (finite,
|x| <= MAX_FEATURE_ABS), so no user text can start a namespace, split a feature or make VW's
text parser fail. `token()` escapes, it does not replace: whitespace, `|`, `:`, control
characters, lone surrogates and the escape character `%` itself (in keys `=` too) become
`%XX` (`%uXXXX` above U+00FF), and the empty text becomes a lone `%`, so two different texts
never become one feature. Text without those characters is written as it is, as it always
was: models saved before the escaping rank its features the same. A parse error must never
happen: in vowpal-wabbit-next 0.7.0 it poisons the process-wide example pool (see
shared/vw-next-notes.md, section 3).

Speed: building the text was 60% of learning a VW event (63 of ~105 us, 8 offers and 30
context fields). Numeric features have only their names cached (their values are nearly all
distinct), categoricals whole, and `EventEncoder` keeps the action lines of recent offer
lists: 20 us an event for the trainer's shared offer lists, 22 us for equal fresh ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from numbers import Real
from typing import SupportsFloat

import numpy as np
import numpy.typing as npt

from policies.base import Candidate, Context, FeatureValue
from policies.errors import InvalidParameter

__all__ = [
    "ACTION_NAMESPACE",
    "MAX_FEATURE_ABS",
    "RESERVED_ACTION_KEYS",
    "RESERVED_SHARED_KEYS",
    "SHARED_NAMESPACE",
    "EncodedFeature",
    "EventEncoder",
    "NumericEncoder",
    "action_features",
    "action_line",
    "churn_decile",
    "event_lines",
    "name_token",
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
MAX_FEATURE_ABS = 1e9
"""The largest magnitude of a numeric feature the learners take (context or offer)."""
_MIN_ABS = 1e-20
_ESCAPE = "%"
_SPECIAL = re.compile(r"[\s|:%\x00-\x1f\x7f\ud800-\udfff]")
_NAME_SPECIAL = re.compile(r"[\s|:%=\x00-\x1f\x7f\ud800-\udfff]")

EncodedFeature = tuple[str, float]
"""One feature as VW sees it: its name (`k=v` or `k`) and its value (1.0 for categoricals)."""


def token(text: str) -> str:
    """Make user text one safe VW name: never empty, no separators, no control characters.

    Injective: different texts give different tokens (special characters are escaped).
    """
    if not text:
        return _ESCAPE
    return _SPECIAL.sub(_escaped, text) if _SPECIAL.search(text) else text


def name_token(key: str) -> str:
    """`token()` of a feature name, with `=` escaped too (it splits `name=value`)."""
    if not key:
        return _ESCAPE
    return _NAME_SPECIAL.sub(_escaped, key) if _NAME_SPECIAL.search(key) else key


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"%{code:02X}" if code <= 0xFF else f"%u{code:04X}"


def number(value: SupportsFloat, feature: str) -> float:
    """Check that a numeric feature is finite and within ±1e9 (InvalidParameter names it).

    Magnitudes below 1e-20 become 0: VW's float parser turned `1.1337029e-198` into inf
    (which then made every weight NaN), while 20,000 random values in [1e-25, 1e31] were
    parsed within float32 precision.
    """
    x = float(value)
    if not -MAX_FEATURE_ABS <= x <= MAX_FEATURE_ABS:  # NaN fails the comparison too
        raise InvalidParameter(
            f"feature {feature!r}", f"must be a finite number within ±1e9, got {value!r}"
        )
    return x if abs(x) >= _MIN_ABS else 0.0


def churn_decile(churn_score: float) -> int:
    """The churn band 0..9 (0.82 → 8; 1.0 → 9)."""
    return min(int(churn_score * 10), 9)


def _check_churn(churn_score: object) -> float:
    if isinstance(churn_score, bool) or not isinstance(churn_score, Real):
        raise InvalidParameter("churn_score", f"must be a number in [0, 1], got {churn_score!r}")
    x = float(churn_score)
    if not 0.0 <= x <= 1.0:  # also rejects NaN
        raise InvalidParameter("churn_score", f"must be in [0, 1], got {churn_score!r}")
    return x


def _feature(key: object, value: object, reserved: frozenset[str]) -> EncodedFeature:
    if type(key) is str:
        if type(value) is float or type(value) is int:
            # Numbers are nearly all distinct: only the name is worth caching.
            return _name(key, reserved), number(value, key)
        if type(value) is str or type(value) is bool:
            # The type is part of the cache key: True == 1 but they encode differently.
            return _cached_feature(key, value, type(value) is bool, reserved)
    return _encode_feature(key, value, reserved)


def _encode_feature(key: object, value: object, reserved: frozenset[str]) -> EncodedFeature:
    if not isinstance(key, str):
        raise InvalidParameter(f"feature {key!r}", "names must be strings")
    name = _name(key, reserved)
    if isinstance(value, bool):
        return f"{name}={'true' if value else 'false'}", 1.0
    if isinstance(value, str):
        return f"{name}={token(value)}", 1.0
    if isinstance(value, Real):
        return name, number(value, key)
    raise InvalidParameter(
        f"feature {key!r}", f"must be a number, string or bool, got {type(value).__name__}"
    )


@lru_cache(maxsize=1 << 12)
def _name(key: str, reserved: frozenset[str]) -> str:
    # `=` in a name would make a number look like a categorical (`a=b:1`), so it is escaped too.
    name = name_token(key)
    if name in reserved:
        raise InvalidParameter(f"feature {key!r}", "the name is reserved by the encoder")
    return name


@lru_cache(maxsize=1 << 16)
def _cached_feature(
    key: str, value: FeatureValue, is_bool: bool, reserved: frozenset[str]
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
            raise InvalidParameter(field, f"must be a string, got {getattr(candidate, field)!r}")
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
    line = f"|{ACTION_NAMESPACE} {_text(action_features(candidate))}"
    return line if label is None else _label_head(label) + line


def _label_head(label: tuple[float, float]) -> str:
    cost, propensity = label
    return f"0:{number(cost, 'cost'):.9g}:{number(propensity, 'propensity'):.9g} "


def event_lines(
    context: Context,
    candidates: Sequence[Candidate],
    label: tuple[int, float, float] | None = None,
) -> list[str]:
    """All VW lines of one decision: shared line, then one line per candidate in order.

    `label` is `(chosen index, cost, propensity)`; VW wants it on the chosen line only.
    """
    return _event_lines(context, [action_line(c) for c in candidates], label)


def _event_lines(
    context: Context, actions: Sequence[str], label: tuple[int, float, float] | None
) -> list[str]:
    lines = [shared_line(context), *actions]
    if label is not None:
        chosen, cost, propensity = label
        if not 0 <= chosen < len(actions):
            raise InvalidParameter(
                "chosen", f"must index the {len(actions)} candidates, got {chosen}"
            )
        lines[chosen + 1] = _label_head((cost, propensity)) + actions[chosen]
    return lines


_Kept = tuple[tuple[Candidate, ...], list[str], tuple[tuple[int, int, bool], ...]]
"""A candidate list, its action lines, and where its 0/1 and bool values are."""


class EventEncoder:
    """`event_lines` with the action lines of recent candidate lists kept, not rebuilt.

    Logged decisions repeat the same few offer lists, and building their text was half of
    the encoding time of a learned event. A list is found by equality; since True == 1,
    a found list is reused only if its bools are in the same places.
    """

    def __init__(self, max_lists: int = 256) -> None:
        self._max_lists = max_lists
        self._actions: dict[tuple[Candidate, ...], _Kept] = {}

    def event_lines(
        self,
        context: Context,
        candidates: Sequence[Candidate],
        label: tuple[int, float, float] | None = None,
    ) -> list[str]:
        """The same lines as `event_lines(context, candidates, label)`."""
        return _event_lines(context, self._action_lines(candidates), label)

    def _action_lines(self, candidates: Sequence[Candidate]) -> list[str]:
        key = candidates if type(candidates) is tuple else tuple(candidates)
        found = self._actions.get(key)
        if found is not None:
            kept, actions, ambiguous = found
            if kept is key or all(
                (type(key[i].features[j][1]) is bool) is was_bool for i, j, was_bool in ambiguous
            ):
                return actions
        actions = [action_line(c) for c in key]
        if len(self._actions) >= self._max_lists:
            self._actions = {}  # replaced, not cleared: learn may run in two threads
        self._actions[key] = (key, actions, _ambiguous(key))
        return actions


def _ambiguous(candidates: Sequence[Candidate]) -> tuple[tuple[int, int, bool], ...]:
    """Where an equal list could encode differently: 0/1 values and bools (True == 1)."""
    return tuple(
        (i, j, type(value) is bool)
        for i, candidate in enumerate(candidates)
        for j, (_, value) in enumerate(candidate.features)
        if type(value) is not str and value in (0, 1)
    )


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
            raise InvalidParameter("dim", f"must be an integer in [8, 4096], got {dim!r}")
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
