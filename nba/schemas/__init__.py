"""The HTTP bodies and replies as pydantic models, one module per resource; no Flask here.

A body is validated once, by `parse(Model, data)` (InvalidInput naming the field), then turned
into the service's input by one function (`decision_request`, `outcome_report`, ...). A reply is
a model built from domain values (`Model.of(...)`) and sent as `model_dump(mode="json")` by the
`*_reply` functions. `api/openapi.py` generates /openapi.json from these models.
"""

from nba.schemas._common import (
    DEFAULT_ALPHA,
    DEFAULT_N_BOOTSTRAP,
    MAX_N_BOOTSTRAP,
    NO_NUL,
    OFFER_ID_PATTERN,
    Body,
    Reply,
    check_text,
    invalid_input,
    parse,
)
from nba.schemas.decisions import (
    BatchBody,
    BatchReply,
    DecisionBody,
    DecisionReply,
    LoggedDecision,
    batch_reply,
    decision_reply,
    decision_request,
    logged_decision_reply,
)
from nba.schemas.evaluations import (
    EvaluationBody,
    EvaluationReply,
    evaluation_reply,
    evaluation_spec,
)
from nba.schemas.feedback import (
    OutcomeBody,
    OutcomeReply,
    RetentionBody,
    RetentionReply,
    outcome_reply,
    outcome_report,
    retention_reply,
    retention_report,
)
from nba.schemas.keys import KeyBody, KeyReply, key_reply
from nba.schemas.models import (
    ApprenticeReply,
    ModelComparison,
    ModelList,
    ModelReply,
    apprentice_reply,
    comparison_reply,
    model_list_reply,
    model_reply,
)
from nba.schemas.offers import (
    OfferBody,
    OfferList,
    OfferPatch,
    OfferReply,
    StatsReply,
    new_offer,
    offer_changes,
    offer_list_reply,
    offer_reply,
    stats_reply,
)
from nba.schemas.public import ErrorReply, Health, health_reply

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_N_BOOTSTRAP",
    "MAX_N_BOOTSTRAP",
    "NO_NUL",
    "OFFER_ID_PATTERN",
    "ApprenticeReply",
    "BatchBody",
    "BatchReply",
    "Body",
    "DecisionBody",
    "DecisionReply",
    "ErrorReply",
    "EvaluationBody",
    "EvaluationReply",
    "Health",
    "KeyBody",
    "KeyReply",
    "LoggedDecision",
    "ModelComparison",
    "ModelList",
    "ModelReply",
    "OfferBody",
    "OfferList",
    "OfferPatch",
    "OfferReply",
    "OutcomeBody",
    "OutcomeReply",
    "Reply",
    "RetentionBody",
    "RetentionReply",
    "StatsReply",
    "apprentice_reply",
    "batch_reply",
    "check_text",
    "comparison_reply",
    "decision_reply",
    "decision_request",
    "evaluation_reply",
    "evaluation_spec",
    "health_reply",
    "invalid_input",
    "key_reply",
    "logged_decision_reply",
    "model_list_reply",
    "model_reply",
    "new_offer",
    "offer_changes",
    "offer_list_reply",
    "offer_reply",
    "outcome_reply",
    "outcome_report",
    "parse",
    "retention_reply",
    "retention_report",
    "stats_reply",
]
