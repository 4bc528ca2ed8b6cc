"""The Personalizer parts of one process, built once by `nba.runtime.build_runtime`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from nba.personalizer.admin import LoopAdmin
from nba.personalizer.evaluations import LoopEvaluations
from nba.personalizer.loops import LoopDirectory
from nba.personalizer.models import LoopModels
from nba.personalizer.ranking import Sampler
from nba.personalizer.service import Personalizer
from nba.personalizer.trainer import LoopTrainer
from nba.storage import Database

__all__ = ["PersonalizerParts", "build_personalizer"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonalizerParts:
    """Loops, served models, the Rank/Reward service, the trainer, the administration and
    the evaluations."""

    loops: LoopDirectory
    models: LoopModels
    service: Personalizer
    trainer: LoopTrainer
    admin: LoopAdmin
    evaluations: LoopEvaluations

    def close(self) -> None:
        """Wait for the evaluations in progress."""
        self.evaluations.close()

    def tick(self, *, train: bool = True) -> None:
        """One scheduled run: train what is due (if this process may), then serve new models."""
        if train:
            self.trainer.run()
        self.models.refresh()


def build_personalizer(
    database: Database, rng: np.random.Generator, clock: Callable[[], datetime],
    *, lease_s: float = 15.0,
) -> PersonalizerParts:  # fmt: skip
    """Build every part on one database, with independent streams spawned from `rng`."""
    serving_rng, sampling_rng, trainer_rng, admin_rng, evaluation_rng = rng.spawn(5)
    loops = LoopDirectory(database, clock)
    models = LoopModels(database, serving_rng)
    service = Personalizer(database, loops, models, Sampler(sampling_rng), clock)
    trainer = LoopTrainer(database, loops, trainer_rng, clock, lease_s=lease_s)
    admin = LoopAdmin(database, loops, models, admin_rng, clock)
    evaluations = LoopEvaluations(database, loops, admin, evaluation_rng, clock)
    return PersonalizerParts(loops, models, service, trainer, admin, evaluations)
