"""Policies by name: `get("vw-bag", rng=rng, bag_size=3)` and the list of `names()`."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping

import numpy as np

from policies.base import Policy
from policies.baselines import ChurnBandRules, UniformRandom
from policies.errors import InvalidParameter, UnknownPolicy
from policies.linear import LinearThompson, LinUCB
from policies.pooled import PooledRidge
from policies.vw import VWPolicy

__all__ = ["explores_new_offers", "get", "names", "parameters"]

_Factory = Callable[..., Policy]

# name → (class, parameters the name fixes)
_REGISTRY: dict[str, tuple[_Factory, Mapping[str, object]]] = {
    "vw": (VWPolicy, {}),
    "vw-squarecb": (VWPolicy, {"exploration": "squarecb"}),
    "vw-epsilon": (VWPolicy, {"exploration": "epsilon"}),
    "vw-softmax": (VWPolicy, {"exploration": "softmax"}),
    "vw-bag": (VWPolicy, {"exploration": "bag"}),
    "vw-cover": (VWPolicy, {"exploration": "cover"}),
    "vw-rnd": (VWPolicy, {"exploration": "rnd"}),
    "vw-regcb": (VWPolicy, {"exploration": "regcb"}),
    "random": (UniformRandom, {}),
    "rules": (ChurnBandRules, {}),
    "linucb": (LinUCB, {}),
    "lints": (LinearThompson, {}),
    "pooled-ridge": (PooledRidge, {}),
}


def names() -> tuple[str, ...]:
    """Every registered policy name."""
    return tuple(_REGISTRY)


def parameters(name: str) -> tuple[str, ...]:
    """The parameters a policy name accepts (UnknownPolicy for an unknown name)."""
    if name not in _REGISTRY:
        raise UnknownPolicy(name, names())
    factory, fixed = _REGISTRY[name]
    return tuple(p for p in inspect.signature(factory).parameters if p not in ("rng", *fixed))


def explores_new_offers(name: str) -> bool:
    """Whether the named policy tries a new offer by itself (an optimistic score for what it
    has not seen), so that it needs no cold-start floor (UnknownPolicy for an unknown name)."""
    if name not in _REGISTRY:
        raise UnknownPolicy(name, names())
    return bool(getattr(_REGISTRY[name][0], "explores_new_offers", False))


def get(name: str, rng: np.random.Generator | None = None, **params: object) -> Policy:
    """Build the named policy; an unknown name or a bad parameter fails at once.

    Raises `UnknownPolicy` for a name not registered and `InvalidParameter` (naming the
    parameter) for an unknown, fixed or out-of-range parameter: both are `PolicyError`s.

    `rng` seeds whatever the policy draws (VW's `--random_seed`, Thompson draws); `params`
    are the constructor arguments, as stored in `policy.params`, so
    `get(p.name, **p.params).load(p.save())` restores a policy.
    """
    if name not in _REGISTRY:
        raise UnknownPolicy(name, names())
    factory, fixed = _REGISTRY[name]
    known = [p for p in inspect.signature(factory).parameters if p != "rng"]
    for key in params:
        if key not in known:
            raise InvalidParameter(
                key, f"unknown parameter for policy {name!r}; known: {', '.join(known) or 'none'}"
            )
    for key, value in fixed.items():
        if key in params and params[key] != value:
            raise InvalidParameter(
                key, f"policy {name!r} fixes it to {value!r}, got {params[key]!r}"
            )
    policy = factory(rng=rng, **{**params, **fixed})
    policy.name = name
    return policy
