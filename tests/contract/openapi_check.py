"""Hold one reply against an OpenAPI document: its route, status, media type and JSON body."""

from __future__ import annotations

import re

from jsonschema import Draft202012Validator
from werkzeug.wrappers import Response


def path_template(rule: str) -> str:
    """A Flask rule (`/v1/models/<int(max=9):version>`) as an OpenAPI path (`.../{version}`)."""
    return re.sub(r"<(?:[^:>]+:)?([^:>]+)>", r"{\1}", rule)


def reply_problems(document: dict, method: str, rule: str, reply: Response) -> list[str]:
    """What in `reply` to `method rule` the OpenAPI `document` does not describe."""
    where = f"{method} {path_template(rule)} -> {reply.status_code}"
    operation = document["paths"].get(path_template(rule), {}).get(method.lower())
    if operation is None:
        return [f"{where}: the operation is not documented"]
    response = operation["responses"].get(str(reply.status_code))
    if response is None:
        return [f"{where}: the status is not documented"]
    content = response.get("content", {})
    if reply.mimetype not in content:
        return [f"{where}: {reply.mimetype} is not documented (only {sorted(content)})"]
    schema = content[reply.mimetype].get("schema")
    if schema is None or not reply.is_json:
        return []
    validator = Draft202012Validator({**schema, "components": document["components"]})
    return [
        f"{where}: {'.'.join(map(str, error.absolute_path)) or 'body'}: {error.message}"
        for error in validator.iter_errors(reply.get_json())
    ]
