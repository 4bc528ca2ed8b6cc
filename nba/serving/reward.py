"""Turn an outcome into the reward a policy learns, by the configured reward mode.

`acceptance`: accepted → 1, declined → 0. `net_value`: accepted → (outcome value, else the
offer's value) - offer cost, divided by `scale` and clipped to [-1, 1]; declined → 0.
`retention_value`: the interim reward until the retention answer comes
(`nba.serving.retention.interim_reward`): accepted → `interim`, declined → 0.
"""

from __future__ import annotations

from nba.config import RewardMode
from nba.errors import InvalidInput
from nba.serving.retention import interim_reward


def reward_for(
    mode: RewardMode,
    *,
    accepted: bool,
    value: float | None,
    offer_cost: float,
    offer_value: float | None,
    scale: float,
    interim: float = 0.0,
) -> float:
    """The reward on the policies' scale ([-1, 1]) for one outcome."""
    if mode is RewardMode.ACCEPTANCE:
        return 1.0 if accepted else 0.0
    if mode is RewardMode.RETENTION_VALUE:
        # The acceptance is the interim signal until retention is known, on the final's scale.
        return interim_reward(accepted, interim)
    if mode is RewardMode.NET_VALUE:
        if not accepted:
            return 0.0
        gained = value if value is not None else (offer_value or 0.0)
        return max(-1.0, min(1.0, (gained - offer_cost) / scale))
    raise InvalidInput(
        "reward_mode", f"must be one of {[m.value for m in RewardMode]}, got {mode!r}"
    )
