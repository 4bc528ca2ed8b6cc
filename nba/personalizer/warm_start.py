"""Warm start: a loop's model learns a DSJSON log (Personalizer's export) before it serves.

The loop's newest model (or a fresh one with its learning settings) learns every event of
the file that has a reward and no `_skipLearn`, in the file's order, and is published as
a new version (`source` "warm-start"). Rewards are clipped to [-1, 1] (VW's costs there).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from nba.personalizer.dsjson import DsjsonEvent, read_events
from nba.personalizer.events import candidates_of, context_of
from nba.personalizer.loops import LoopDirectory
from nba.personalizer.models import LoopModels, build_policy, fresh_params, policy_from
from nba.storage import Database
from nba.storage import personalizer as store
from policies import Event, Policy

__all__ = ["WarmStart", "warm_start"]

_CHUNK = 1024


@dataclass(frozen=True, slots=True)
class WarmStart:
    """What a warm start did: events learned, events skipped, the model version published."""

    learned: int
    skipped: int
    version: int


def warm_start(
    database: Database, loops: LoopDirectory, models: LoopModels, loop: str, path: str | Path,
    rng: np.random.Generator, clock: Callable[[], datetime],
) -> WarmStart:  # fmt: skip
    """Learn the DSJSON file `path` into `loop`'s model and publish it."""
    state = loops.state(loop)
    with database.session(readonly=True) as session:
        model = store.latest_model(session, loop)
    policy: Policy = (build_policy(fresh_params(state), rng) if model is None
                      else policy_from(model, rng))  # fmt: skip
    learned = skipped = 0
    events = read_events(path)
    while chunk := list(itertools.islice(events, _CHUNK)):
        usable = [_event(e) for e in chunk if e.reward is not None and not e.skip_learn]
        policy.learn(usable)
        learned += len(usable)
        skipped += len(chunk) - len(usable)
    with database.session() as session:
        published = store.add_model(session, loop, policy.save(), dict(policy.params),
                                    "warm-start", learned, clock())  # fmt: skip
    models.forget(loop)
    return WarmStart(learned, skipped, published.version)


def _event(event: DsjsonEvent) -> Event:
    reward = max(-1.0, min(1.0, float(event.reward or 0.0)))
    return Event(
        context=context_of(event.context),
        candidates=candidates_of(event.actions),
        chosen=event.chosen,
        propensity=max(event.propensity, 1e-9),
        reward=reward,
    )
