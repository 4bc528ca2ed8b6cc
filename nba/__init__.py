"""nba: next-best-action optimizer for customer retention."""
