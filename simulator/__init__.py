"""Offline simulator: customer populations, ground truth, scenarios, closed-loop runs."""
