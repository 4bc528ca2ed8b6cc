"""The error hierarchy of nba; `api/errors.py` and the CLI map it to replies in one place."""

from __future__ import annotations


class NbaError(Exception):
    """Root of every error nba raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details: dict[str, object] = dict(details)
        if field is not None:
            self.details["field"] = field

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled as it is, whatever the subclass's arguments: a campaign's worker process or a
        # Dask worker sends the error it met back to the process that runs the job.
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(kind: type[NbaError], args: tuple[object, ...], state: dict[str, object]) -> NbaError:
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error


class InvalidInput(NbaError):
    """The caller sent something malformed; nothing was written."""

    code = "invalid_input"

    def __init__(self, field: str, problem: str, **details: object) -> None:
        super().__init__(f"{field}: {problem}", field=field, **details)


class NotFound(NbaError):
    """An id that names nothing."""

    code = "not_found"

    def __init__(self, kind: str, identifier: str) -> None:
        super().__init__(f"{kind} {identifier!r} not found", kind=kind, id=identifier)


class Conflict(NbaError):
    """The request contradicts what is already recorded."""

    code = "conflict"


class NoEligibleOffer(NbaError):
    """No offer is eligible for this request (and `no_action` is disabled)."""

    code = "no_eligible_offer"


class Unsupported(NbaError):
    """This process cannot do what was asked, however it is asked (a what-if run in a process
    started without the simulator); nothing was written."""

    code = "unsupported"


class InvalidSetting(NbaError):
    """A setting that does not exist or cannot be read (file, environment, keyword)."""

    code = "invalid_setting"

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}", setting=name)


class Unavailable(NbaError):
    """The database cannot serve this request now (read-only, full, unreachable); retry later.

    Nothing was written. `reason` says which (`read_only`, `disk_full`, `unreachable`) and
    `retry_after_s` how long a caller should wait before trying again.
    """

    code = "database_unavailable"

    def __init__(self, reason: str, message: str, *, retry_after_s: int = 1) -> None:
        super().__init__(message, reason=reason)
        self.reason = reason
        self.retry_after_s = retry_after_s
