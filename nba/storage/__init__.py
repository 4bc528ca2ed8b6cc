"""Storage of nba: SQLModel tables behind functions that take and return domain values.

Every query function takes a `Session` first and adds / flushes, never commits: the caller
owns the transaction through `Database.session()`.
"""

from __future__ import annotations

from nba.storage.database import Database
from nba.storage.decisions import (
    add_decision,
    count_decisions,
    decisions_without_outcome,
    get_decision,
    list_decisions,
    log_frame,
)
from nba.storage.keys import (
    add_api_key,
    ensure_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
)
from nba.storage.models import (
    activate_model_version,
    active_model_version,
    add_model_version,
    get_model_version,
    latest_model_version,
    list_model_versions,
    set_pinned,
)
from nba.storage.offers import (
    add_offer,
    get_offer,
    list_offers,
    offer_budget_used,
    offer_counts,
    set_status,
    update_offer,
)
from nba.storage.outcomes import add_outcome, count_outcomes, get_outcome, outcomes_since

__all__ = [
    "Database",
    "activate_model_version",
    "active_model_version",
    "add_api_key",
    "add_decision",
    "add_model_version",
    "add_offer",
    "add_outcome",
    "count_decisions",
    "count_outcomes",
    "decisions_without_outcome",
    "ensure_api_key",
    "find_api_key",
    "get_decision",
    "get_model_version",
    "get_offer",
    "get_outcome",
    "latest_model_version",
    "list_api_keys",
    "list_decisions",
    "list_model_versions",
    "list_offers",
    "log_frame",
    "offer_budget_used",
    "offer_counts",
    "outcomes_since",
    "revoke_api_key",
    "set_pinned",
    "set_status",
    "update_offer",
]
