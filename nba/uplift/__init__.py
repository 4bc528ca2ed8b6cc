"""Which offers save customers: uplift over `no_action` per offer and churn band, and the guard
that keeps an offer out of a band where it confidently loses value.

`nba.ope.uplift` estimates; `data` reads the retention log; `report` builds the report and its
words; `service` computes it on demand or on schedule and stores the guard's flags; `flags` is
what the decision path reads (`nba.serving.uplift_guard`). Only `flags` loads with the package:
the others need pandas.
"""

from nba.uplift.flags import GUARD_STATE, GuardFlag, flags_from_state

__all__ = ["GUARD_STATE", "GuardFlag", "flags_from_state"]
