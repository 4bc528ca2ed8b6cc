"""The What-if page: a proposed offer catalogue against the current one in the simulator, run
as a background job; the form's errors next to their fields, the report when it is done."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import runtime
from nba.errors import InvalidInput, Unsupported

ROLES = ("marketer", "analyst")
REFRESH_S = 2
"""A running job's page reloads itself this often."""
SIZES = ("steps", "seeds", "population")
EXAMPLE = """offers:
  - id: streaming_bundle              # a new offer, with the response it is assumed to get
    name: Streaming bundle, 3 months free
    category: loyalty
    cost: 15
    value: 80
    response:
      intercept: -2.0
      weights: {heavy_engaged: 2.2}
      save_rate: 0.4
      fit: {price: 0.6, service: 0.4, disengaged: 0.7, loyal: 0.7}
  - id: discount_25                   # a change: only these fields
    caps: {budget_accepts: 150}
"""


@blueprint.get("/what-if")
@page(*ROLES)
def what_ifs() -> str:
    """The form to start a run, and the latest runs."""
    return _form_page(MultiDict({"catalog": EXAMPLE}), {})


@blueprint.post("/what-if")
@page(*ROLES)
def start_what_if() -> Response | tuple[str, int]:
    """Start the run the form describes, or show the form again with its error."""
    form = request.form
    try:
        run = runtime().what_ifs.submit(_spec(form))
    except (InvalidInput, Unsupported) as error:
        field = error.field if error.field in (*SIZES, "reward", "current") else "catalog"
        return _form_page(form, {field: error.message.removeprefix(f"{field}: ")}), 400
    return redirect(url_for("console.what_if", run_id=run.id))


@blueprint.get("/what-if/<run_id>")
@page(*ROLES)
def what_if(run_id: str) -> str:
    """A run: its status (refreshing itself while it runs), and its report when done."""
    jobs = runtime().what_ifs
    run = jobs.get(run_id)
    return render_template(
        "console/what_if.html",
        run=run,
        spec=dict(run.spec),
        report=jobs.report(run),
        refresh_s=REFRESH_S if run.status in ("pending", "running") else None,
    )


def _form_page(form: MultiDict[str, str], errors: dict[str, str]) -> str:
    jobs = runtime().what_ifs
    return render_template(
        "console/what_ifs.html",
        form=form,
        errors=errors,
        available=jobs.available,
        runs=jobs.recent(),
    )


def _spec(form: MultiDict[str, str]) -> dict[str, object]:
    """The job's spec from the form: the files' text, whole numbers, the reward."""
    spec: dict[str, object] = {
        "catalog": form.get("catalog", ""),
        "current": form.get("current", "").strip() or None,
        "reward": form.get("reward", "retention_value"),
    }
    for name in SIZES:
        raw = form.get(name, "").strip().replace(",", "").replace("_", "")
        if not raw.isdigit():
            raise InvalidInput(name, "must be a whole number")
        spec[name] = int(raw)
    return spec
