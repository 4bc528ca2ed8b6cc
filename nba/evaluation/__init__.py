"""Evaluation: evaluation jobs over the log, offer statistics, log exports."""
