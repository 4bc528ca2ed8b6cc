"""The retention log: logged decisions that have a retention answer, with the reward uplift
reports on.

Rewards (`REWARDS`), in plain units, not the learner's scaled and clipped ones:

- `retention_value`: retained x customer value - the chosen offer's cost if it was accepted,
  in money per customer (the customer value is the one reported with the retention answer,
  else `Settings.reward.retention_default_value`). `no_action` costs nothing.
- `retention_rate`: retained (1) or not (0), so an uplift is a change in the share who stay.

Only reported retention answers count: a default answer (`NBA_RETENTION_DEFAULT_RETAINED`
after the retention window) says what was assumed, not what the customer did, and would pull
every offer's uplift towards 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from nba.errors import InvalidInput
from nba.ope.batch import BoolArray
from nba.ope.logs import LoggedData, from_frame
from nba.storage import Database, retention_frame

REWARDS = ("retention_value", "retention_rate")
UNITS = {"retention_value": "money per customer", "retention_rate": "share retained"}


@dataclass(frozen=True, slots=True, eq=False)
class RetentionLog:
    """Decisions with a retention answer as OPE arrays (`data`), and per row whether its
    outcome came (`answered`) and was an accept (`accepted`)."""

    data: LoggedData
    accepted: BoolArray
    answered: BoolArray
    reward: str


def read_retention_log(
    database: Database,
    start: datetime | None,
    end: datetime | None,
    reward: str,
    default_value: float,
) -> RetentionLog | None:
    """The retention log of decisions made in [start, end); None when none has an answer."""
    check_reward(reward)
    if start and end and start >= end:
        raise InvalidInput("to", "must be after from")
    with database.session(readonly=True) as session:
        frame = retention_frame(session, start, end)
    return retention_log(frame, reward, default_value)


def retention_log(frame: pd.DataFrame, reward: str, default_value: float) -> RetentionLog | None:
    """The rows of `frame` (`nba.storage.retention_frame`'s columns) whose retention answer
    was reported, rewarded by `reward`; None when there is none."""
    check_reward(reward)
    rows = frame.loc[frame["retention_source"] == "reported"].reset_index(drop=True)
    if rows.empty:
        return None
    answered = rows["accepted"].notna().to_numpy(dtype=bool)
    accepted = rows["accepted"].fillna(False).to_numpy(dtype=bool)
    retained = rows["retained"].to_numpy(dtype=np.float64)
    if reward == "retention_rate":
        rows["reward"] = retained
    else:
        value = rows["customer_value"].fillna(default_value).to_numpy(dtype=np.float64)
        cost = np.where(accepted, rows["chosen_cost"].to_numpy(dtype=np.float64), 0.0)
        rows["reward"] = retained * value - cost
    data = from_frame(rows, missing_reward="drop")
    return RetentionLog(data=data, accepted=accepted, answered=answered, reward=reward)


def check_reward(reward: str) -> None:
    """InvalidInput naming `reward` unless it is one of `REWARDS`."""
    if reward not in REWARDS:
        raise InvalidInput("reward", f"must be one of {', '.join(REWARDS)}, got {reward!r}")
