"""Storage of nba: SQLModel tables behind functions that take and return domain values.

Every query function takes a `Session` first and adds / flushes, never commits: the caller
owns the transaction through `Database.session()`.
"""

from __future__ import annotations

from nba.storage.database import Database
from nba.storage.decisions import (
    add_decision,
    count_customer_decisions,
    count_decisions,
    customer_decisions,
    get_decision,
    list_decisions,
    log_frame,
    retention_frame,
)
from nba.storage.feedback import (
    count_feedback,
    decisions_without_feedback,
    feedback_for,
    get_feedback,
    record_once,
)
from nba.storage.keys import (
    add_api_key,
    ensure_api_key,
    find_api_key,
    list_api_keys,
    revoke_api_key,
)
from nba.storage.learned import (
    LearnRow,
    active_version_number,
    get_state,
    learned_counts,
    mark_learned,
    recent_acceptance,
    recent_rewards,
    set_state,
    show_counts,
    unlearned_rows,
    update_model_metrics,
)
from nba.storage.locks import acquire_lock, lock_holder, release_lock, renew_lock
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

__all__ = [
    "Database",
    "LearnRow",
    "acquire_lock",
    "activate_model_version",
    "active_model_version",
    "active_version_number",
    "add_api_key",
    "add_decision",
    "add_model_version",
    "add_offer",
    "count_customer_decisions",
    "count_decisions",
    "count_feedback",
    "customer_decisions",
    "decisions_without_feedback",
    "ensure_api_key",
    "feedback_for",
    "find_api_key",
    "get_decision",
    "get_feedback",
    "get_model_version",
    "get_offer",
    "get_state",
    "latest_model_version",
    "learned_counts",
    "list_api_keys",
    "list_decisions",
    "list_model_versions",
    "list_offers",
    "lock_holder",
    "log_frame",
    "mark_learned",
    "offer_budget_used",
    "offer_counts",
    "recent_acceptance",
    "recent_rewards",
    "record_once",
    "release_lock",
    "renew_lock",
    "retention_frame",
    "revoke_api_key",
    "set_pinned",
    "set_state",
    "set_status",
    "show_counts",
    "unlearned_rows",
    "update_model_metrics",
    "update_offer",
]
