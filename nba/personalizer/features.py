"""Personalizer's feature objects as the flat features of nba's policies.

Personalizer reads `contextFeatures` and each action's `features` (arrays of JSON objects) so:
each top-level key of an object is a namespace; objects nested inside it are flattened into
it (`user.device.os`); strings are categorical, numbers numeric, booleans categorical;
arrays of numbers give one numeric feature per position (`user.latLong[0]`); keys starting
with `_` and nulls are not features. The namespace and the path make the feature's name, so
equal keys in two namespaces stay two features. Names and values may hold any text: the
encoder of `policies.encoding` escapes them, so nothing a caller sends reaches VW's parser
as syntax.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from nba.personalizer.errors import PersonalizerError
from policies.base import Features, FeatureValue
from policies.encoding import MAX_FEATURE_ABS, RESERVED_ACTION_KEYS, RESERVED_SHARED_KEYS

__all__ = ["MAX_DEPTH", "MAX_FEATURES", "action_features", "context_features"]

MAX_DEPTH = 16
"""How deep objects and arrays may nest inside one feature object."""
MAX_FEATURES = 4096
"""The most features one context (or one action) may have."""


def context_features(objects: object, target: str, code: str = "InvalidRankRequest") -> Features:
    """The flat features of a list of context feature objects (in order, duplicates kept)."""
    return _flatten(objects, target, code, RESERVED_SHARED_KEYS)


def action_features(objects: object, target: str, code: str = "InvalidRankRequest") -> Features:
    """The flat features of one action's feature objects."""
    return _flatten(objects, target, code, RESERVED_ACTION_KEYS)


def _flatten(objects: object, target: str, code: str, reserved: frozenset[str]) -> Features:
    if objects is None:
        return ()
    if not isinstance(objects, Sequence) or isinstance(objects, str | bytes):
        raise PersonalizerError(code, f"{target} must be an array of objects", target=target)
    out: list[tuple[str, FeatureValue]] = []
    for i, item in enumerate(objects):
        if not isinstance(item, Mapping):
            raise PersonalizerError(
                code, f"{target}[{i}] must be an object, got {type(item).__name__}", target=target
            )
        for key, value in item.items():
            if not str(key).startswith("_"):
                _add(out, str(key), value, 0, f"{target}[{i}]", code)
    if len(out) > MAX_FEATURES:
        raise PersonalizerError(
            code, f"{target} has {len(out)} features, at most {MAX_FEATURES}", target=target
        )
    return tuple((f"{name}." if name in reserved else name, value) for name, value in out)


def _add(
    out: list[tuple[str, FeatureValue]], name: str, value: object, depth: int, at: str, code: str
) -> None:
    if depth > MAX_DEPTH:
        raise PersonalizerError(code, f"{at}: nested deeper than {MAX_DEPTH}", target=at)
    if value is None:
        return
    if isinstance(value, bool | str):
        out.append((name, value))
    elif isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x) or abs(x) > MAX_FEATURE_ABS:
            raise PersonalizerError(
                code, f"{at}: feature {name!r} must be a finite number within ±1e9", target=at
            )
        out.append((name, x))
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            if not str(key).startswith("_"):
                _add(out, f"{name}.{key}", inner, depth + 1, at, code)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            _add(out, f"{name}[{i}]", inner, depth + 1, at, code)
    else:
        raise PersonalizerError(code, f"{at}: feature {name!r} has an unusable value", target=at)
