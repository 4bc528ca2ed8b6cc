"""Rewards of outcomes: `no_action` offers nothing, so its outcome is 0 in every mode."""

from __future__ import annotations

import pytest

from nba.config import RewardMode
from nba.reward import acceptance_reward, outcome_reason


@pytest.mark.parametrize("mode", list(RewardMode))
@pytest.mark.parametrize("accepted", [True, False])
def test_an_outcome_of_an_arm_that_offers_nothing_is_learned_as_zero(mode, accepted):
    reward = acceptance_reward(
        mode, accepted=accepted, value=40.0, offer_cost=0.0, offer_value=None, scale=100.0,
        interim=0.3, offers_nothing=True,
    )  # fmt: skip
    assert reward == 0.0


@pytest.mark.parametrize("mode", list(RewardMode))
def test_the_reason_of_a_no_action_outcome_says_there_was_nothing_to_accept(mode):
    reason = outcome_reason(
        mode, offer_id="no_action", accepted=True, reward=0.0, offers_nothing=True
    )
    assert "nothing to accept" in reason and "reward 0" in reason


def test_the_reason_of_a_net_value_accept_names_the_rule():
    reason = outcome_reason(RewardMode.NET_VALUE, offer_id="d10", accepted=True, reward=0.35)
    assert reason.startswith("d10 accepted: reward 0.35 = (value - offer cost) / reward scale")


def test_the_reason_of_a_default_outcome_says_it_is_the_default():
    reason = outcome_reason(
        RewardMode.ACCEPTANCE, offer_id="d10", accepted=False, reward=0.0, source="default"
    )
    assert reason.startswith("no answer came within the reward window")
