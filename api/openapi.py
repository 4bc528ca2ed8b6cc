"""The OpenAPI 3 document, generated from the endpoint table and the pydantic schemas."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from nba import schemas
from nba.domain import ROLES


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


ALL = tuple(ROLES)
ENDPOINTS = (
    Endpoint("post", "/v1/decisions", "Best offer for one customer", ("crm",),
             schemas.DecisionBody, schemas.DecisionReply, errors=(400, 404, 413, 422)),
    Endpoint("post", "/v1/decisions/batch", "Best offers for several customers", ("crm",),
             schemas.BatchBody, schemas.BatchReply, errors=(400, 404, 413, 422)),
    Endpoint("post", "/v1/decisions/{decision_id}/outcome", "Report accepted or declined",
             ("crm",), schemas.OutcomeBody, schemas.OutcomeReply, errors=(400, 404, 409)),
    Endpoint("get", "/v1/decisions/{decision_id}", "A logged decision with its outcome",
             ("crm", "analyst"), None, schemas.LoggedDecision, errors=(404,)),
    Endpoint("get", "/v1/offers", "Every offer (latest versions)", ALL, None, schemas.OfferList),
    Endpoint("post", "/v1/offers", "Add an offer", ("marketer",), schemas.OfferBody,
             schemas.OfferReply, status=201, errors=(400, 409)),
    Endpoint("get", "/v1/offers/{offer_id}", "One offer", ALL, None, schemas.OfferReply,
             errors=(404,)),
    Endpoint("patch", "/v1/offers/{offer_id}", "Edit an offer (new version)", ("marketer",),
             schemas.OfferPatch, schemas.OfferReply, errors=(400, 404, 409)),
    Endpoint("delete", "/v1/offers/{offer_id}", "Retire an offer", ("marketer",), None,
             schemas.OfferReply, errors=(404, 409)),
    Endpoint("get", "/v1/offers/{offer_id}/stats", "Offer performance with 95% intervals",
             ("marketer", "analyst"), None, schemas.StatsReply, errors=(400, 404)),
    Endpoint("get", "/v1/exports/decisions", "The decision log (Parquet or CSV)", ("analyst",),
             None, None, media="application/vnd.apache.parquet", other_media=("text/csv",),
             errors=(400,)),
    Endpoint("post", "/v1/evaluations", "Start an off-policy evaluation job", ("analyst",),
             schemas.EvaluationBody, schemas.EvaluationReply, status=202, errors=(400,)),
    Endpoint("get", "/v1/evaluations/{evaluation_id}", "An evaluation job and its results",
             ("analyst",), None, schemas.EvaluationReply, errors=(404,)),
    Endpoint("get", "/v1/models", "Model versions", ("admin",), None, schemas.ModelList),
    Endpoint("post", "/v1/models/{version}/activate", "Activate a model version (rollback)",
             ("admin",), None, schemas.ModelReply, errors=(404,)),
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
             ("admin",), None, schemas.ModelComparison, errors=(400, 404)),
    Endpoint("get", "/v1/apprentice", "Apprentice mode status and evidence", ("admin",),
             None, schemas.ApprenticeReply),
    Endpoint("post", "/v1/apprentice/graduate", "Let the learner serve now", ("admin",), None,
             schemas.ApprenticeReply),
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
    paths: dict[str, dict] = {}
    for endpoint in ENDPOINTS:
        paths.setdefault(endpoint.path, {})[endpoint.method] = _operation(endpoint, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "nba: next best action for retention", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(endpoint: Endpoint, refs: Mapping[type[BaseModel], dict]) -> dict:
    success = {"schema": refs[endpoint.reply]} if endpoint.reply else {}
    content = {media: success for media in (endpoint.media, *endpoint.other_media)}
    responses: dict = {str(endpoint.status): {"description": "success", "content": content}}
    error = {"content": {"application/json": {"schema": refs[schemas.ErrorReply]}}}
    codes = set(endpoint.errors) | ({401, 403} if endpoint.roles else set())
    for code in sorted(codes):
        responses[str(code)] = {"description": _DESCRIPTIONS[code], **error}
    operation: dict = {"summary": endpoint.summary, "responses": responses}
    parameters = [
        {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
        for part in endpoint.path.split("/")
        if part.startswith("{")
    ]
    if parameters:
        operation["parameters"] = parameters
    if endpoint.roles:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = sorted(set(endpoint.roles) | {"admin"})
    if endpoint.body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[endpoint.body]}},
        }
    return operation


_DESCRIPTIONS = {
    400: "invalid input (the error names the field)",
    401: "missing or invalid API key",
    403: "the key's role may not call this endpoint",
    404: "unknown id",
    409: "conflicts with what is recorded",
    413: "body larger than the limit",
    422: "no offer is eligible",
    503: "not ready",
}
