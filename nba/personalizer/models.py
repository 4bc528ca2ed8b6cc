"""Each loop's served VW policy: the newest published model, else a fresh one.

`refresh()` (a scheduled job) swaps in a newer published model by loading its bytes into a
new policy, then replacing the reference; ranks in flight finish on the old one.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

import policies
from nba.personalizer.errors import PersonalizerError
from nba.personalizer.loops import LoopState
from nba.personalizer.values import PublishedModel
from nba.storage import Database
from nba.storage import personalizer as store
from policies import InvalidModel, InvalidParameter, Policy

__all__ = ["LoopModels", "build_policy", "fresh_params", "policy_from"]

log = logging.getLogger(__name__)


def fresh_params(state: LoopState) -> dict[str, Any]:
    """VWPolicy parameters of a loop's learning settings.

    VW's own epsilon is tiny: the service mixes `explorationPercentage` into the served
    distribution itself (`nba.personalizer.ranking`), so a change applies without a reset.
    """
    return state.learning.policy_params(0.0)


def build_policy(params: dict[str, Any], rng: np.random.Generator) -> Policy:
    """A fresh VW policy; bad parameters are InvalidPolicyConfiguration."""
    try:
        return policies.get("vw", rng=rng, **params)
    except InvalidParameter as error:
        raise PersonalizerError(
            "InvalidPolicyConfiguration", f"{error.parameter}: {error}", target="arguments"
        ) from None


def policy_from(model: PublishedModel, rng: np.random.Generator) -> Policy:
    """The policy of a published model (its parameters, its bytes)."""
    policy = build_policy(model.params, rng)
    try:
        policy.load(model.data)
    except InvalidModel as error:
        raise PersonalizerError("InvalidModelImportFormat", str(error)) from None
    return policy


class LoopModels:
    """Served policies by loop, with the version each serves (None: never published)."""

    def __init__(self, database: Database, rng: np.random.Generator) -> None:
        self._database = database
        self._rng = rng
        self._lock = threading.Lock()
        self._served: dict[str, tuple[Policy, int | None]] = {}
        self._failed: dict[str, int] = {}  # the version of each loop that could not be loaded

    def policy(self, state: LoopState) -> tuple[Policy, int | None]:
        """The policy serving `state`'s loop and its model version."""
        served = self._served.get(state.name)
        if served is None:
            with self._database.session(readonly=True) as session:
                model = store.latest_model(session, state.name)
            served = self._load(state, model)
        return served

    def refresh(self) -> list[str]:
        """Swap in every newer published model of the loops served; the loops swapped."""
        swapped = []
        for name, (_, version) in list(self._served.items()):
            with self._database.session(readonly=True) as session:
                latest = store.latest_version(session, name)
                model = None
                if latest is not None and latest != version and latest != self._failed.get(name):
                    model = store.latest_model(session, name)
            if model is None:
                continue
            try:
                self._swap(name, model)
            except PersonalizerError:  # keep serving the model before it; say so once
                log.exception("personalizer model not loadable loop=%s version=%d", name,
                              model.version)  # fmt: skip
                self._failed[name] = model.version
                continue
            swapped.append(name)
        return swapped

    def forget(self, loop: str) -> None:
        """Drop a loop's served policy (the next rank loads the newest model)."""
        with self._lock:
            self._served.pop(loop, None)

    def _load(self, state: LoopState, model: PublishedModel | None) -> tuple[Policy, int | None]:
        with self._lock:
            rng = self._rng.spawn(1)[0]
        if model is None:
            served: tuple[Policy, int | None] = (build_policy(fresh_params(state), rng), None)
        else:
            served = (policy_from(model, rng), model.version)
        with self._lock:
            self._served[state.name] = served
        return served

    def _swap(self, name: str, model: PublishedModel) -> None:
        with self._lock:
            rng = self._rng.spawn(1)[0]
        served = (policy_from(model, rng), model.version)
        with self._lock:
            self._served[name] = served
