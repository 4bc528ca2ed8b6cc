"""Auto-optimize's challengers: other policies learning beside the champion from the same log.

A challenger learns the logged answers with their logged propensities (no extra traffic), in
(outcome ts, decision id) order, but never the newest `holdout` answers: those are kept for
the comparison with the champion (`nba.learning.optimizer`), so a challenger is always judged
on decisions it has not learned. Its state (the policy's bytes and how far it has learned) is
in the database: a restart, or another process that takes the trainer lease, continues it.
Only the trainer of record calls `learn` (inside its lease).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

import policies
from nba.domain import ChallengerState
from nba.errors import InvalidSetting
from nba.learning.events import EventDecoder
from nba.storage import Database
from nba.storage import optimization as store
from policies.base import Policy
from policies.errors import PolicyError

log = logging.getLogger(__name__)

DEFAULT_CHALLENGERS: Mapping[str, Mapping[str, object]] = {
    "vw-bag": {"policy": "vw-bag"},
    "vw-slow": {"policy": "vw", "params": {"learning_rate": 0.1}},
    "lints": {"policy": "lints"},
    "linucb": {"policy": "linucb"},
    "pooled-ridge": {"policy": "pooled-ridge"},
}
"""The challengers when the settings name none: other VW exploration and learning rates, the
two linear models that lead VW on the simulator's stationary scenario (issue 15), and the
pooled ridge regressions that lead under `retention_value` (benchmarks/retention_learners.py)."""


@dataclass(frozen=True, slots=True)
class ChallengerSpec:
    """A challenger as configured: its name, policy name and parameters."""

    name: str
    policy: str
    params: tuple[tuple[str, object], ...] = ()


def challenger_specs(configured: Mapping[str, object]) -> tuple[ChallengerSpec, ...]:
    """The specs of `NBA_AUTO_OPTIMIZE_CHALLENGERS` (name -> {"policy", "params"}), or the
    default set when empty; InvalidSetting names the first bad entry."""
    field = "auto_optimize_challengers"
    specs = []
    for name, entry in (configured or DEFAULT_CHALLENGERS).items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("policy"), str):
            raise InvalidSetting(field, f"{name!r} must be an object with a 'policy' name")
        unknown = set(entry) - {"policy", "params"}
        params = entry.get("params", {})
        if unknown or not isinstance(params, Mapping):
            raise InvalidSetting(field, f"{name!r} takes only 'policy' and an object 'params'")
        try:
            policies.get(str(entry["policy"]), **params)
        except PolicyError as error:
            raise InvalidSetting(field, f"{name!r}: {error}") from None
        specs.append(ChallengerSpec(str(name), str(entry["policy"]), tuple(params.items())))
    return tuple(specs)


class ChallengerPool:
    """The challengers' policies, learned from the database and kept there."""

    def __init__(
        self,
        database: Database,
        specs: tuple[ChallengerSpec, ...],
        rng: np.random.Generator,
        *,
        holdout: int,
        batch: int = 1000,
    ) -> None:
        self._database = database
        self._specs = specs
        self._rng = rng
        self._holdout = holdout
        self._batch = batch
        self._cache: dict[str, tuple[ChallengerState, Policy]] = {}

    @property
    def names(self) -> tuple[str, ...]:
        """The challengers' names, in configured order."""
        return tuple(spec.name for spec in self._specs)

    def learn(self, max_events: int, renew: Callable[[], None] = lambda: None) -> int:
        """Learn, for every challenger, the answers it has not learned, up to (excluding) the
        held-out newest ones; at most `max_events` per challenger. Returns events learned.
        `renew` is called after each batch (the trainer's lease renewal)."""
        with self._database.session(readonly=True) as session:
            boundary = store.holdout_start(session, self._holdout)
        if boundary is None:
            return 0
        total = 0
        decoder = EventDecoder()
        for state, policy in self.current().values():
            learned, until = 0, state.learned_until
            while learned < max_events:
                with self._database.session(readonly=True) as session:
                    wanted = min(self._batch, max_events - learned)
                    rows = store.rewarded_rows(session, until, boundary, wanted)
                if not rows:
                    break
                policy.learn([decoder.event(row) for row in rows])
                learned += len(rows)
                until = rows[-1].key
                renew()
            if learned:
                total += learned
                saved = ChallengerState(
                    state.name, state.policy, state.params, policy.save(),
                    state.learned + learned, until,
                )  # fmt: skip
                with self._database.session() as session:
                    store.save_challenger(session, saved)
                self._cache[state.name] = (saved, policy)
        if total:
            log.info("challengers learned %d events", total)
        return total

    def current(self) -> dict[str, tuple[ChallengerState, Policy]]:
        """Every configured challenger's stored state and its policy, loaded (or started fresh
        when it has none, or its configuration changed)."""
        with self._database.session(readonly=True) as session:
            stored = store.challengers(session)
        out = {}
        for spec in self._specs:
            state = stored.get(spec.name)
            if state is None or _configured(state) != _configured(spec):
                state = ChallengerState(spec.name, spec.policy, spec.params, b"")
            cached = self._cache.get(spec.name)
            if cached is None or cached[0] != state:
                policy = policies.get(spec.policy, rng=self._rng, **dict(spec.params))
                if state.data:
                    policy.load(state.data)
                cached = (state, policy)
                self._cache[spec.name] = cached
            out[spec.name] = cached
        return out


def _configured(item: ChallengerState | ChallengerSpec) -> str:
    # JSON text: lists read back from the database as tuples compare equal to the settings'.
    return json.dumps([item.policy, dict(item.params)], sort_keys=True)
