"""Logging for every nba process: one JSON object per line (or plain text), request ids on each.

`configure_logging(settings)` is called once by each entry point (the `nba` CLI, which covers
`nba serve`'s gunicorn workers and `nba worker`) before anything is built. A line is
`{"ts", "level", "logger", "message", "request_id"?, ...extra fields, "exc_info"?}`; the
request id comes from `REQUEST_ID`, which the HTTP layer sets for the length of a request and
`RequestIdFilter` reads. Tracebacks go out without SQL parameters or PostgreSQL's `DETAIL:`
lines (which quote row values): customer data stays out of the logs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from types import TracebackType
from typing import TextIO, TypeAlias

from nba.config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("nba_request_id", default=None)
"""The id of the HTTP request being handled in this context (None outside a request)."""

ACCESS_LOGGER = "nba.access"
"""The logger of the access log: one INFO line per request when `serving.access_log` is on."""

LOG_FORMATS = ("json", "text")

ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
)

_QUIET = {"vowpal_wabbit_next.driver": logging.WARNING, "apscheduler": logging.WARNING,
          "alembic": logging.WARNING}  # fmt: skip
# A LogRecord's own attributes: whatever else a record carries came as `extra=`.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
# SQLAlchemy prints bound values as "[parameters: ...]" (unless the engine hides them) and
# PostgreSQL explains a violation with "DETAIL:  Key (customer_id)=(c1)..." lines.
_PARAMETERS = re.compile(r"\[parameters: .*\]$", re.MULTILINE)
_DETAIL = re.compile(r"^\s*DETAIL:.*(?:\n|$)", re.MULTILINE)


class RequestIdFilter(logging.Filter):
    """Give every record the current request id (`request_id`, None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


def scrub(text: str) -> str:
    """`text` (a traceback) without SQL parameters and PostgreSQL DETAIL lines."""
    return _DETAIL.sub("", _PARAMETERS.sub("[parameters hidden]", text))


def extra_fields(record: logging.LogRecord) -> dict[str, object]:
    """The fields a record was given with `extra=`, in the order given."""
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (UTC), level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(extra_fields(record))
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)

    def formatException(self, ei: ExcInfo) -> str:
        return scrub(super().formatException(ei))


class TextFormatter(logging.Formatter):
    """`ts LEVEL logger: message key=value...` with the request id and the extras as pairs."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = {"request_id": getattr(record, "request_id", None), **extra_fields(record)}
        tail = " ".join(f"{k}={v}" for k, v in pairs.items() if v is not None)
        if not tail:
            return line
        first, newline, rest = line.partition("\n")
        return f"{first} {tail}{newline}{rest}"

    def formatException(self, ei: ExcInfo) -> str:
        return scrub(super().formatException(ei))


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is at the time, so a swapped stream is never kept."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr  # `handle` holds the handler's lock around `emit`
        super().emit(record)


def formatter(log_format: str) -> logging.Formatter:
    """The formatter for a `serving.log_format`: "json" or "text"."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log_format: must be one of {LOG_FORMATS}, got {log_format!r}")
    return JsonFormatter() if log_format == "json" else TextFormatter()


def configure_logging(settings: Settings | None = None, *, level: int = logging.INFO) -> None:
    """Log to stderr in `settings.serving.log_format` (JSON without settings) from `level` up.

    Like `logging.basicConfig`, this leaves the handlers alone when the process already has
    some that nba did not install (pytest's, an application embedding nba), and the level with
    them; calling it again replaces nba's own handler. Chatty libraries log WARNING and above.
    """
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    root = logging.getLogger()
    ours = [h for h in root.handlers if isinstance(h, _StderrHandler)]
    if len(ours) < len(root.handlers):
        return
    root.setLevel(level)
    for handler in ours:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(formatter(settings.serving.log_format if settings else "json"))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
