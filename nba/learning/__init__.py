"""Learning: the model keeper, trainer and marks, model registry, apprentice mode, drift."""
