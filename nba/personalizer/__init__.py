"""Azure Personalizer's Rank/Reward API on nba's learning loops (issue 17).

Modules: `values` (loops, logged slots, models), `errors` (Personalizer's error shape and
codes), `features` (feature objects as flat features), `requests` (rank and reward bodies),
`configuration` (service configuration), `learning_settings` (VW arguments), `loops` (loops
and their keys), `models` (served policies), `ranking` (the served distribution), `service`
(rank, reward, activate), `trainer` (learning and publishing), `admin` (settings, model,
log), `composition` (the parts of one process).
"""

from nba.personalizer.errors import PersonalizerError
from nba.personalizer.values import DEFAULT_LOOP, LoggedSlot, Loop, PublishedModel

__all__ = ["DEFAULT_LOOP", "LoggedSlot", "Loop", "PersonalizerError", "PublishedModel"]
