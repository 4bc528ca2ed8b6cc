"""Cold start in the service: `NBA_NEW_OFFER_*` set the policy's new-offer floor.

The floor itself is the policy's (`policies/cold_start.py`): the trainer, every serving worker
and the simulator apply the same one, once per decision, with counts that travel in the model
bytes, and the logged propensity is the floored probability. The service adds no floor of its
own. With `NBA_NEW_OFFER_MIN_PROBABILITY` > 0 a fresh policy that has the floor (VW) gets
`cold_start_probability` = that value and `cold_start_tries` = `NBA_NEW_OFFER_SHOWS`, unless
`NBA_POLICY_PARAMS` sets them; like every policy parameter they are stored with each model
version. At 0 (the default) the policy's own default stands (VW: 0.2 for 1,000 tries; turn
it off with `cold_start_tries` 0).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import policies

log = logging.getLogger(__name__)

_FLOOR = ("cold_start_probability", "cold_start_tries")


def with_new_offer_floor(
    policy: str, params: Mapping[str, object], *, min_probability: float, shows: int
) -> dict[str, object]:
    """`params` for a fresh `policy`, with the new-offer floor the settings ask for."""
    chosen = dict(params)
    if min_probability <= 0:
        return chosen
    if not set(_FLOOR) <= set(policies.parameters(policy)):
        if policies.explores_new_offers(policy):
            return chosen  # it scores what it has not seen optimistically: no floor needed
        log.warning(
            "policy %r has no cold-start floor: NBA_NEW_OFFER_MIN_PROBABILITY is not applied",
            policy,
        )
        return chosen
    if any(name in chosen for name in _FLOOR):
        return chosen  # the policy's own parameters are the more specific setting
    chosen.update(cold_start_probability=min_probability, cold_start_tries=shows)
    return chosen
