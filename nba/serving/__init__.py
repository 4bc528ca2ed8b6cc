"""Serving: decide for a customer, eligibility, feedback, the offer catalog, API keys."""
