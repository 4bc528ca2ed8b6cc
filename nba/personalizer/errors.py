"""Errors in Personalizer's shape: `{"error": {"code", "message", "target"?}}` with its codes.

Each code has the HTTP status Personalizer gave it (`STATUS`); `api/routes/personalizer*`
turn a `PersonalizerError` into that reply, so both SDKs raise their own exception with it.
"""

from __future__ import annotations

from nba.errors import NbaError

STATUS: dict[str, int] = {
    "BadRequest": 400,
    "InvalidRankRequest": 400,
    "InvalidRewardRequest": 400,
    "InvalidEventIdToActivate": 400,
    "PayloadSizeExceeded": 400,
    "InvalidServiceConfiguration": 400,
    "InvalidLearningModeServiceConfiguration": 400,
    "InvalidPolicyConfiguration": 400,
    "InvalidPolicyContract": 400,
    "InvalidEvaluationContract": 400,
    "InvalidLogRetentionDays": 400,
    "InvalidMultiSlotApiAccess": 400,
    "InvalidModelImportFormat": 400,
    "EvaluationAlreadyExists": 400,
    "NoLogsExistInDateRange": 400,
    "Unauthorized": 401,
    "InvalidApiAccess": 403,
    "ResourceNotFound": 404,
    "EvaluationNotFound": 404,
    "LearningSettingsNotFound": 404,
    "LogsPropertiesNotFound": 404,
    "InternalServerError": 500,
    "OperationNotAllowed": 503,
}
"""Personalizer's error codes that nba sends, and the status of each."""


class PersonalizerError(NbaError):
    """A refusal with one of Personalizer's codes; `target` names the field at fault."""

    def __init__(self, code: str, message: str, *, target: str | None = None) -> None:
        if code not in STATUS:
            raise ValueError(f"unknown Personalizer error code {code!r}")
        super().__init__(message, field=target)
        self.code = code
        self.target = target
        self.status = STATUS[code]

    def body(self) -> dict[str, object]:
        """The reply body: `{"error": {"code", "message", "target"?}}`."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        return {"error": error}
