"""The Evaluations page: start an off-policy evaluation from a form (validated by the schema of
POST /v1/evaluations, errors next to their fields), watch it run, read its report."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from markupsafe import Markup
from pydantic import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import runtime
from nba import schemas
from nba.ope.estimators import ESTIMATORS
from nba.ope.evaluate import DEFAULT_ESTIMATORS
from nba.ope.verdict import ESTIMATOR_WORDS

REFRESH_S = 2
"""A running job's page reloads itself this often."""
CHOSEN_BY_DEFAULT = ("random", "rules")
_FIELDS = {"policies": "candidates", "estimators": "estimators", "from": "from", "to": "to",
           "channel": "channel"}  # fmt: skip
"""The body's fields and the form fields that hold them."""


@blueprint.get("/evaluations")
@page("analyst")
def evaluations() -> str:
    """The form to start one, and the latest jobs."""
    return _form_page(MultiDict(), {})


@blueprint.post("/evaluations")
@page("analyst")
def start_evaluation() -> Response | tuple[str, int]:
    """Start the evaluation the form describes, or show the form again with its errors."""
    form = request.form
    try:
        body = schemas.EvaluationBody.model_validate(_body(form))
    except ValidationError as error:
        return _form_page(form, _field_errors(error, form)), 400
    job = runtime().evaluations.submit(schemas.evaluation_spec(body))
    return redirect(url_for("console.evaluation", evaluation_id=job.id))


@blueprint.get("/evaluations/<evaluation_id>")
@page("analyst")
def evaluation(evaluation_id: str) -> str:
    """A job: its status (refreshing itself while it runs), and its report when done."""
    job = runtime().evaluations.get(evaluation_id)
    report = runtime().evaluations.report(evaluation_id) if job.results else None
    return render_template(
        "console/evaluation.html",
        job=job,
        spec=dict(job.spec),
        report=Markup(report or ""),
        refresh_s=REFRESH_S if job.status in ("pending", "running") else None,
    )


@blueprint.get("/evaluations/<evaluation_id>/report.html")
@page("analyst")
def evaluation_report(evaluation_id: str) -> Response:
    """The report of a finished job as one self-contained page, to save or send."""
    whole = runtime().evaluations.report(evaluation_id, whole_page=True)
    if whole is None:
        return redirect(url_for("console.evaluation", evaluation_id=evaluation_id))
    return Response(whole, mimetype="text/html")


def _form_page(form: MultiDict[str, str], errors: dict[str, str]) -> str:
    """The form (blank, or as sent with its errors) and the latest jobs."""
    is_blank = not form
    return render_template(
        "console/evaluations.html",
        form=form,
        errors=errors,
        versions=runtime().models.list(),
        chosen=list(CHOSEN_BY_DEFAULT) if is_blank else form.getlist("candidates"),
        estimators=[(name, *ESTIMATOR_WORDS[name]) for name in ESTIMATORS if name != "on_policy"],
        chosen_estimators=list(DEFAULT_ESTIMATORS) if is_blank else form.getlist("estimators"),
        jobs=runtime().evaluations.recent(),
    )


def _body(form: MultiDict[str, str]) -> dict[str, object]:
    """The JSON body of POST /v1/evaluations that the form describes."""
    typed = [line.strip() for line in form.get("other_candidates", "").splitlines()]
    body: dict[str, object] = {
        "policies": [*form.getlist("candidates"), *(line for line in typed if line)],
        "estimators": form.getlist("estimators"),
    }
    for name in ("from", "to", "channel"):
        value = form.get(name, "").strip()
        if value:
            body[name] = value
    return body


def _field_errors(error: ValidationError, form: MultiDict[str, str]) -> dict[str, str]:
    """Each problem under the form field that holds it (the first problem per field)."""
    ticked = len(form.getlist("candidates"))
    found: dict[str, str] = {}
    for problem in error.errors():
        loc = problem["loc"]
        field = _FIELDS.get(str(loc[0]), "form") if loc else "form"
        if field == "candidates" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] >= ticked:
            field = "other_candidates"
        found.setdefault(field, _message(problem["type"], problem["msg"], field))
    return found


def _message(kind: str, message: str, field: str) -> str:
    if kind == "too_short":
        return {"candidates": "Choose at least one candidate.",
                "estimators": "Choose at least one estimator."}.get(field, message)  # fmt: skip
    return message.removeprefix("Value error, ")
