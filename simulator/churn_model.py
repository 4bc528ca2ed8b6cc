"""The churn score a real churn model would give: a noisy, imperfectly calibrated estimate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ChurnModel:
    """score = sigmoid(slope * logit(p_true) + bias + noise * N(0, 1)), rounded to 3 decimals.

    `slope` < 1 makes the model under-confident (scores pulled towards the middle), `bias` > 0
    over-predicts churn, `noise` is the standard deviation of the model error on the logit scale.
    """

    noise: float = 0.6
    slope: float = 0.8
    bias: float = 0.3

    def score(self, churn_probability: Floats, rng: np.random.Generator) -> Floats:
        """Churn scores in [0.001, 0.999] for the given true churn probabilities."""
        p = np.clip(churn_probability, 1e-6, 1 - 1e-6)
        logit = np.log(p / (1 - p))
        z = self.slope * logit + self.bias + self.noise * rng.standard_normal(len(p))
        return np.round(np.clip(1.0 / (1.0 + np.exp(-z)), 0.001, 0.999), 3).astype(np.float64)
