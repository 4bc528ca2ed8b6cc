"""The OpenAPI 3 document, generated from the endpoint table and the pydantic schemas.

It says what the server does: every string of a body refuses NUL (`check_text`), path and query
parameters have the types the routes parse, and each operation lists every status it can
answer (400 for any unusable path or query value, 429 and 503 for every authenticated call).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.routes._params import MAX_VERSION
from nba import schemas
from nba.domain import ROLES, STATUSES
from nba.evaluation.exports import FORMATS
from nba.schemas import campaigns as campaign_schemas
from nba.schemas import contacts
from nba.schemas import uplift as uplift_schemas
from nba.schemas import what_if as what_if_schemas
from nba.schemas.examples import EXAMPLES


@dataclass(frozen=True, slots=True)
class Param:
    """A query parameter: its name, JSON schema, whether it must be given."""

    name: str
    schema: Mapping[str, object]
    required: bool = False


_TEXT = {"type": "string", "minLength": 1, "pattern": schemas.NO_NUL}
_TIME = {"type": "string", "format": "date-time"}
_VERSION = {"type": "integer", "minimum": 0, "maximum": MAX_VERSION}
_LIMIT = {"type": "integer", "minimum": 0, "maximum": 999_999_999}
_PATH_PARAMS = {"version": _VERSION}
"""A path parameter's schema by name; any other is an id: a non-empty string with no NUL."""
_WINDOW = (Param("from", _TIME), Param("to", _TIME))


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One documented endpoint: who may call it, what it takes and gives."""

    method: str
    path: str
    summary: str
    roles: tuple[str, ...] | None  # None: no authentication
    body: type[BaseModel] | None = None
    reply: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    media: str = "application/json"
    other_media: tuple[str, ...] = ()  # further media types of the success reply
    query: tuple[Param, ...] = ()


ALL = tuple(ROLES)
_EDITORS = ("marketer", "admin")
CONTACT_ENDPOINTS = (
    Endpoint("get", "/v1/contact-policy", "The contact policy in force",
             ("marketer", "admin", "analyst"), None, contacts.ContactPolicyBody),
    Endpoint("put", "/v1/contact-policy", "Replace the contact policy", _EDITORS,
             contacts.ContactPolicyBody, contacts.ContactPolicyBody, errors=(400,)),
    Endpoint("get", "/v1/suppressions", "The suppression list, a page at a time", _EDITORS,
             None, contacts.SuppressionList, errors=(400,),
             query=(Param("after", _TEXT), Param("limit", {"type": "integer", "minimum": 1,
                                                           "maximum": 1000}))),
    Endpoint("post", "/v1/suppressions", "Suppress a customer: no offer reaches them",
             _EDITORS, contacts.SuppressionBody, contacts.SuppressionReply, status=201,
             errors=(400,)),
    Endpoint("get", "/v1/suppressions/{customer_id}", "One customer's suppression", _EDITORS,
             None, contacts.SuppressionReply, errors=(404,)),
    Endpoint("delete", "/v1/suppressions/{customer_id}", "Take a customer off the list",
             _EDITORS, None, contacts.SuppressionReply, errors=(404,)),
)  # fmt: skip
_WHAT_IF_ROLES = ("marketer", "analyst", "admin")
WHAT_IF_ENDPOINTS = (
    Endpoint("post", "/v1/what-if", "Start a what-if run: a proposed catalogue against the "
             "current one in the simulator (202, Location: the run)", _WHAT_IF_ROLES,
             what_if_schemas.WhatIfBody, what_if_schemas.WhatIfReply, status=202,
             errors=(400, 422)),
    Endpoint("get", "/v1/what-if", "Recent what-if runs, newest first", _WHAT_IF_ROLES, None,
             what_if_schemas.WhatIfList, errors=(400,),
             query=(Param("limit", {"type": "integer", "minimum": 1,
                                    "maximum": what_if_schemas.MAX_LIST_LIMIT}),)),
    Endpoint("get", "/v1/what-if/{run_id}", "A what-if run: status, and the changes in accepts, "
             "cost and retained value with 95% intervals once done", _WHAT_IF_ROLES, None,
             what_if_schemas.WhatIfReply, errors=(404,)),
)  # fmt: skip
ENDPOINTS = (
    Endpoint("post", "/v1/decisions", "Best offer for one customer (churn score or signals)",
             ("crm",),
             schemas.DecisionBody, schemas.DecisionReply, errors=(400, 404, 413, 422)),
    Endpoint("post", "/v1/decisions/batch", "Best offers for several customers", ("crm",),
             schemas.BatchBody, schemas.BatchReply, errors=(400, 404, 413, 422)),
    Endpoint("post", "/v1/decisions/{decision_id}/outcome", "Report accepted or declined",
             ("crm",), schemas.OutcomeBody, schemas.RecordedOutcomeReply, errors=(400, 404, 409)),
    Endpoint("get", "/v1/decisions/{decision_id}", "A logged decision with its outcome",
             ("crm", "analyst"), None, schemas.LoggedDecision, errors=(404,)),
    Endpoint("get", "/v1/offers", "Every offer (latest versions)", ALL, None, schemas.OfferList,
             query=(Param("status", {"type": "string", "enum": list(STATUSES)}),)),
    Endpoint("post", "/v1/offers", "Add an offer", ("marketer",), schemas.OfferBody,
             schemas.OfferReply, status=201, errors=(400, 409)),
    Endpoint("get", "/v1/offers/{offer_id}", "One offer", ALL, None, schemas.OfferReply,
             query=(Param("version", _VERSION),)),
    Endpoint("patch", "/v1/offers/{offer_id}", "Edit an offer (new version)", ("marketer",),
             schemas.OfferPatch, schemas.OfferReply, errors=(400, 404, 409)),
    Endpoint("delete", "/v1/offers/{offer_id}", "Retire an offer", ("marketer",), None,
             schemas.OfferReply, errors=(404, 409)),
    Endpoint("get", "/v1/offers/{offer_id}/stats", "Offer performance with 95% intervals",
             ("marketer", "analyst"), None, schemas.StatsReply, query=_WINDOW),
    Endpoint("get", "/v1/exports/decisions", "The decision log (Parquet or CSV)", ("analyst",),
             None, None, media="application/vnd.apache.parquet", other_media=("text/csv",),
             query=(*_WINDOW, Param("channel", _TEXT),
                    Param("format", {"type": "string", "enum": list(FORMATS)}))),
    Endpoint("post", "/v1/evaluations", "Start an off-policy evaluation job", ("analyst",),
             schemas.EvaluationBody, schemas.EvaluationReply, status=202, errors=(400,)),
    Endpoint("get", "/v1/evaluations/{evaluation_id}", "An evaluation job and its results",
             ("analyst",), None, schemas.EvaluationReply, errors=(404,)),
    Endpoint("post", "/v1/campaigns", "Start a batch campaign under budgets", ("marketer",),
             campaign_schemas.CampaignBody, campaign_schemas.CampaignReply, status=202,
             errors=(400, 404, 409)),
    Endpoint("get", "/v1/campaigns/{campaign_id}", "A campaign: status, prices, its effect",
             ("marketer", "analyst"), None, campaign_schemas.CampaignReply, errors=(404,)),
    Endpoint("get", "/v1/models", "Model versions", ("admin",), None, schemas.ModelList),
    Endpoint("post", "/v1/models/{version}/activate", "Activate a model version (rollback)",
             ("admin",), None, schemas.ModelReply, errors=(422,)),
    Endpoint("post", "/v1/models/train", "Learn outstanding outcomes and save a version",
             ("admin",), None, schemas.ModelReply, errors=(409,)),
    Endpoint("post", "/v1/keys", "Create an API key", ("admin",), schemas.KeyBody,
             schemas.KeyReply, status=201, errors=(400,)),
    Endpoint("get", "/healthz", "Liveness", None, None, schemas.Health),
    Endpoint("get", "/readyz", "Readiness (database reachable)", None, None, schemas.Health,
             errors=(503,)),
    Endpoint("get", "/metrics", "Prometheus metrics", None, media="text/plain"),
    Endpoint("get", "/openapi.json", "This document", None),
    Endpoint("get", "/docs", "This document as a page", None, media="text/html"),
    Endpoint("post", "/v1/decisions/{decision_id}/retention", "Report whether the customer stayed",
             ("crm",), schemas.RetentionBody, schemas.RetentionReply, errors=(400, 404, 409)),
    Endpoint("post", "/v1/models/{version}/pin", "Pin a version: training never replaces it",
             ("admin",), None, schemas.ModelReply, errors=(404,)),
    Endpoint("post", "/v1/models/{version}/unpin", "Unpin a version", ("admin",), None,
             schemas.ModelReply, errors=(404,)),
    Endpoint("get", "/v1/models/compare", "Compare two versions off-policy (?a=&b=)",
             ("admin",), None, schemas.ModelComparison, errors=(404, 422),
             query=(Param("a", _VERSION, required=True), Param("b", _VERSION, required=True))),
    Endpoint("get", "/v1/models/optimization", "Auto-optimize's comparisons, newest first",
             ("admin",), None, schemas.OptimizationList, errors=(400,),
             query=(Param("limit", _LIMIT),)),
    Endpoint("post", "/v1/models/optimization", "Compare the challengers with the champion now",
             ("admin",), None, schemas.OptimizationReply, errors=(409,)),
    Endpoint("get", "/v1/apprentice", "Apprentice mode status and evidence", ("admin",),
             None, schemas.ApprenticeReply),
    Endpoint("post", "/v1/apprentice/graduate", "Let the learner serve now", ("admin",), None,
             schemas.ApprenticeReply),
    Endpoint("get", "/v1/keys", "Every API key's record (never a secret)", ("admin",), None,
             schemas.KeyList),
    Endpoint("delete", "/v1/keys/{key_id}", "Revoke an API key", ("admin",), None,
             schemas.KeyInfo, errors=(404,)),
    Endpoint("get", "/v1/audit", "Changes, newest first (?entity=&actor=&from=&to=&limit=)",
             ("admin",), None, schemas.AuditList, errors=(400,)),
    Endpoint("get", "/v1/uplift", "Which offers save customers: uplift over no_action per "
             "offer and churn band", ("analyst", "marketer", "admin"), None,
             uplift_schemas.UpliftReply, errors=(400,),
             query=(*_WINDOW,
                    Param("reward", {"type": "string", "enum": list(uplift_schemas.REWARDS)}),
                    Param("min_ess", {"type": "number", "minimum": 1}))),
    *CONTACT_ENDPOINTS,
    *WHAT_IF_ENDPOINTS,
)  # fmt: skip


@functools.cache
def openapi_document() -> dict:
    """The OpenAPI 3.1 document of every endpoint.

    Bodies are described as they are validated, replies as they are serialised.
    """
    bodies = {e.body for e in ENDPOINTS if e.body}
    replies = {e.reply for e in ENDPOINTS if e.reply} | {schemas.ErrorReply}
    keys, top = models_json_schema(
        [(m, "validation") for m in sorted(bodies, key=lambda m: m.__name__)]
        + [(m, "serialization") for m in sorted(replies, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    refs: dict[type[BaseModel], dict] = {}
    for (model, _), ref in keys.items():
        if isinstance(model, type) and issubclass(model, BaseModel):
            refs[model] = dict(ref)
    definitions = top.get("$defs", {})
    for name in _reachable(definitions, [refs[body]["$ref"] for body in bodies]):
        _as_validated(definitions[name])
    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method] = _operation(endpoint, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "nba: next best action for retention",
            "version": "1",
            "description": _INTRODUCTION,
        },
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _statuses(endpoint: Endpoint) -> set[int]:
    """Every status `endpoint` can answer besides its success."""
    codes = set(endpoint.errors)
    if endpoint.roles:  # auth, rate limits, the key's look-up, a bad path id or query value
        codes |= {400, 401, 403, 429, 503}
    if endpoint.body:  # malformed JSON, a bad field, too long
        codes |= {400, 413}
    if "{" in endpoint.path:
        codes.add(404)
    return codes


def _media(model: type[BaseModel], refs: Mapping[type[BaseModel], dict]) -> dict:
    """A media type's schema, with its example when `nba.schemas.examples` has one."""
    media: dict = {"schema": refs[model]}
    if model.__name__ in EXAMPLES:
        media["example"] = EXAMPLES[model.__name__]
    return media


def _operation(endpoint: Endpoint, refs: Mapping[type[BaseModel], dict]) -> dict:
    success = _media(endpoint.reply, refs) if endpoint.reply else {}
    content = {media: success for media in (endpoint.media, *endpoint.other_media)}
    responses: dict = {str(endpoint.status): {"description": "success", "content": content}}
    error = {"content": {"application/json": {"schema": refs[schemas.ErrorReply]}}}
    for code in sorted(_statuses(endpoint)):
        body = {"content": {"application/json": _media(schemas.ErrorReply, refs)}}
        responses[str(code)] = {
            "description": _DESCRIPTIONS[code],
            **(body if code == 400 else error),
        }
    operation: dict = {"summary": endpoint.summary, "responses": responses}
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _PATH_PARAMS.get(name, _TEXT)}
        for name in (part[1:-1] for part in endpoint.path.split("/") if part.startswith("{"))
    ] + [
        {"name": p.name, "in": "query", "required": p.required, "schema": dict(p.schema)}
        for p in endpoint.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if endpoint.roles:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = sorted(set(endpoint.roles) | {"admin"})
        operation["description"] = f"Roles: {', '.join(operation['x-roles'])}."
    else:
        operation["description"] = "No API key needed."
    if endpoint.body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": _media(endpoint.body, refs)},
        }
    return operation


def _reachable(definitions: Mapping[str, dict], refs: list[str]) -> set[str]:
    """The names of the definitions that `refs` lead to, directly or through other refs."""
    found: set[str] = set()
    todo = [ref.rsplit("/", 1)[-1] for ref in refs]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        todo.extend(ref.rsplit("/", 1)[-1] for ref in _refs(definitions[name]))
    return found


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for child in node.values() for ref in _refs(child)]
    if isinstance(node, list):
        return [ref for child in node for ref in _refs(child)]
    return []


def _as_validated(node: object) -> None:
    """Make a body's schema say what `check_text` and the key rules refuse, in place.

    Every string without a pattern, enum or format gets `NO_NUL`. pydantic gives an object's key
    rule as `patternProperties`, which leaves other keys free: it becomes `propertyNames`. An
    object with free keys (a map such as a campaign's `budget`) gets `NO_NUL` on its names too.
    """
    if isinstance(node, list):
        for child in node:
            _as_validated(child)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    is_text = kind == "string" or (isinstance(kind, list) and "string" in kind)
    if is_text and not {"pattern", "enum", "format", "const"} & set(node):
        node["pattern"] = schemas.NO_NUL
    keyed = node.get("patternProperties")
    if isinstance(keyed, dict) and len(keyed) == 1 and "additionalProperties" not in node:
        ((pattern, values),) = keyed.items()
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = values
        del node["patternProperties"]
    if isinstance(node.get("additionalProperties"), dict):
        node.setdefault("propertyNames", {})
    if isinstance(node.get("propertyNames"), dict):
        node["propertyNames"].setdefault("pattern", schemas.NO_NUL)
    for child in node.values():
        _as_validated(child)


_INTRODUCTION = (
    "Every `/v1` call takes an API key as `Authorization: Bearer <key>`; the key's role "
    "(crm, marketer, analyst, admin) decides what it may call, and admin may call everything. "
    "Make one with `nba keys create --role crm` (the key is the last line printed). Here: "
    "**Authorize**, paste the key, then **Try it out** on an operation; the examples are "
    'the README\'s tour. Errors are `{"error": {"code", "message", "details"}}` and '
    "name the field at fault."
)

_DESCRIPTIONS = {
    400: "invalid input: a body field, path id or query value (the error names it)",
    401: "missing or invalid API key",
    403: "the key's role may not call this endpoint",
    404: "unknown id",
    409: "conflicts with what is recorded",
    413: "body larger than the limit",
    422: "no offer is eligible, a stored model cannot be loaded, or this process cannot run "
    "what-ifs (started without the simulator)",
    429: "too many requests for this key (Retry-After says when to try again)",
    503: "not ready: the database is unavailable (Retry-After says when to try again)",
}
