"""JSON replies serialised by orjson, for the routes on the decision path.

Their bodies are plain JSON values (text, numbers, lists, objects), which orjson writes as
Flask's own provider would (compact, key order kept, a newline at the end) in a fraction of
its time; anything orjson does not take goes through Flask's provider instead.
"""

from __future__ import annotations

import orjson
from flask import Response, current_app


def json_reply(body: dict[str, object], status: int = 200) -> Response:
    """`body` as an application/json reply with `status`."""
    try:
        data = orjson.dumps(body, option=orjson.OPT_APPEND_NEWLINE)
    except TypeError:
        data = current_app.json.dumps(body).encode() + b"\n"
    return Response(data, status=status, mimetype="application/json")
