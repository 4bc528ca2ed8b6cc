"""nba.logs: JSON or text lines with the request id and extras; tracebacks without SQL values."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from nba.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, TextFormatter


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    """A logger of its own writing through a handler with the request-id filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tests.logs")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(handler)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_a_json_line_has_ts_level_logger_message_request_id_and_extras(lines):
    logger, stream, handler = lines
    handler.setFormatter(JsonFormatter())
    token = REQUEST_ID.set("req-1")
    try:
        logger.info("trained %d", 3, extra={"model_version": 3})
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "INFO" and entry["logger"] == "tests.logs"
    assert entry["message"] == "trained 3" and entry["request_id"] == "req-1"
    assert entry["model_version"] == 3 and entry["ts"].endswith("+00:00")


def test_a_json_line_outside_a_request_has_no_request_id(lines):
    logger, stream, handler = lines
    handler.setFormatter(JsonFormatter())
    logger.warning("idle")
    assert "request_id" not in json.loads(stream.getvalue())


def test_a_text_line_ends_with_the_request_id_and_extras(lines):
    logger, stream, handler = lines
    handler.setFormatter(TextFormatter())
    token = REQUEST_ID.set("req-2")
    try:
        logger.info("job ran", extra={"job": "defaults"})
    finally:
        REQUEST_ID.reset(token)
    expected = "INFO tests.logs: job ran request_id=req-2 job=defaults"
    assert stream.getvalue().rstrip().endswith(expected)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_a_traceback_loses_sql_parameters_and_postgres_detail_lines(lines, formatter):
    logger, stream, handler = lines
    handler.setFormatter(formatter)
    message = (
        'duplicate key value violates unique constraint "decisions_pkey"\n'
        "DETAIL:  Key (customer_id)=(cust-77) already exists.\n"
        "[SQL: INSERT INTO decisions (customer_id) VALUES (%(customer_id)s)]\n"
        "[parameters: {'customer_id': 'cust-77'}]"
    )
    try:
        raise RuntimeError(message)
    except RuntimeError:
        logger.exception("unhandled error")
    text = stream.getvalue()
    assert "cust-77" not in text
    assert "INSERT INTO decisions" in text and "RuntimeError" in text


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={**os.environ, **env}, check=True)  # fmt: skip


CONFIGURED = (
    "import logging; from nba.config import load_settings; from nba.logs import configure_logging;"
    "configure_logging(load_settings()); logging.getLogger('nba.x').info('hello', extra={'n': 1});"
    "logging.getLogger('nba.x').debug('hidden')"
)


def test_configured_process_logs_one_json_object_per_line_on_stderr():
    entry = json.loads(_run(CONFIGURED).stderr)
    assert (entry["logger"], entry["message"], entry["n"]) == ("nba.x", "hello", 1)


def test_log_format_text_gives_plain_lines():
    stderr = _run(CONFIGURED, NBA_LOG_FORMAT="text").stderr
    assert stderr.rstrip().endswith("INFO nba.x: hello n=1") and "hidden" not in stderr


def test_the_nba_command_logs_json_on_stderr_with_v(tmp_path):
    result = subprocess.run([sys.executable, "-m", "nba", "-v", "offers", "list", "--data-dir",
                             str(tmp_path)], capture_output=True, text=True, timeout=120,
                            check=True, env={**os.environ, "NBA_DATABASE_URL": ""})  # fmt: skip
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(e["logger"] == "nba.storage.database" for e in entries)
