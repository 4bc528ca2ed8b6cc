"""Fixtures for the policy tests: a small synthetic world."""

from __future__ import annotations

import numpy as np
import pytest

from policies import Candidate, Context, Event, Policy, freeze_features

OFFERS = (
    Candidate("discount_10", "discount", freeze_features({"discount_pct": 10, "channel": "sms"})),
    Candidate("device_upgrade", "device", freeze_features({"device": "flagship"})),
    Candidate("loyalty", "loyalty", freeze_features({"points": 500})),
    Candidate("no_action", "none"),
)

# Acceptance probabilities per segment: A's best offer is discount_10, B's is loyalty.
ACCEPT = {"A": (0.3, 0.05, 0.05, 0.05), "B": (0.05, 0.05, 0.3, 0.05)}


def context_for(segment: str, rng: np.random.Generator) -> Context:
    """A customer of one segment, with a little noise in the other fields."""
    churn = rng.uniform(0.6, 0.95) if segment == "A" else rng.uniform(0.05, 0.4)
    features = {"segment": segment, "tenure_months": int(rng.integers(1, 60)), "is_vip": False}
    return Context(float(churn), freeze_features(features))


def sample(probabilities: tuple[float, ...], rng: np.random.Generator) -> int:
    """Draw a candidate index as the service would."""
    return int(rng.choice(len(probabilities), p=np.asarray(probabilities)))


def train_online(policy: Policy, steps: int, rng: np.random.Generator) -> None:
    """Run the two-segment world: rank, sample, observe, learn, one event at a time."""
    for _ in range(steps):
        segment = "A" if rng.random() < 0.5 else "B"
        context = context_for(segment, rng)
        ranking = policy.rank(context, OFFERS)
        chosen = sample(ranking.probabilities, rng)
        reward = float(rng.random() < ACCEPT[segment][chosen])
        policy.learn([Event(context, OFFERS, chosen, ranking.probabilities[chosen], reward)])


def best_offer_rate(policy: Policy, decisions: int, rng: np.random.Generator) -> float:
    """Share of fresh sampled decisions that serve the segment's best offer."""
    hits = 0
    for _ in range(decisions):
        segment = "A" if rng.random() < 0.5 else "B"
        ranking = policy.rank(context_for(segment, rng), OFFERS)
        hits += sample(ranking.probabilities, rng) == int(np.argmax(ACCEPT[segment]))
    return hits / decisions


def logged_events(n: int, rng: np.random.Generator) -> list[Event]:
    """Uniformly logged events of the two-segment world."""
    events = []
    for _ in range(n):
        segment = "A" if rng.random() < 0.5 else "B"
        chosen = int(rng.integers(len(OFFERS)))
        reward = float(rng.random() < ACCEPT[segment][chosen])
        events.append(Event(context_for(segment, rng), OFFERS, chosen, 0.25, reward))
    return events


class World:
    """The two-segment world's helpers, handed to tests as the `world` fixture."""

    offers = OFFERS
    accept = ACCEPT
    context_for = staticmethod(context_for)
    sample = staticmethod(sample)
    train_online = staticmethod(train_online)
    best_offer_rate = staticmethod(best_offer_rate)
    logged_events = staticmethod(logged_events)


@pytest.fixture
def world() -> type[World]:
    """The synthetic two-segment world."""
    return World


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed Generator."""
    return np.random.default_rng(20261123)
