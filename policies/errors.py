"""The errors a policy raises: a bad parameter or input, and model bytes it cannot load.

They subclass `ValueError` (what policies raised before), so callers that catch that keep
working; new code catches `PolicyError`, or one of its children to choose a reply.
"""

from __future__ import annotations

__all__ = ["InvalidModel", "InvalidParameter", "PolicyError", "UnknownPolicy"]


class PolicyError(ValueError):
    """Root of every error a policy raises on purpose."""


class InvalidParameter(PolicyError):
    """A named parameter or input is outside its domain.

    `parameter` names it: a constructor parameter of `policies.get` (`epsilon`), or an input
    of `rank` / `learn` / `explain` (`churn_score`, `propensity`, `feature 'x'`). The message
    reads `"<parameter>: <reason>"`.
    """

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


class UnknownPolicy(InvalidParameter):
    """`policies.get` (or `parameters`) was given a name no policy is registered under."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        reason = f"unknown policy {name!r}; known: {', '.join(known)}"
        PolicyError.__init__(self, reason)  # the message names the policy, not "name:"
        self.parameter = "name"
        self.reason = reason


class InvalidModel(PolicyError):
    """`load` was given bytes this policy cannot restore: corrupt, truncated, or saved by a
    policy configured differently (another exploration)."""

    parameter = "data"

    def __init__(self, reason: str) -> None:
        super().__init__(f"data: {reason}")
        self.reason = reason
