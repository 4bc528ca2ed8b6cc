"""The Suppressions page: customers who must not be contacted (add, import a CSV file, remove),
and the contact policy in force, read only (it is set with PUT /v1/contact-policy)."""

from __future__ import annotations

import io

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import actor, runtime
from nba.errors import NbaError
from nba.schemas.contacts import contact_policy_reply
from nba.serving.contacts import CSV_COLUMNS

PAGE_SIZE = 100


@blueprint.get("/suppressions")
@page("marketer")
def suppressions() -> str:
    """The list, a page at a time (`?after=`), with the forms to change it."""
    return _page({}, {})


def _page(errors: dict[str, str], typed: dict[str, str]) -> str:
    after = request.args.get("after") or None
    entries, total = runtime().contacts.suppressions(after=after, limit=PAGE_SIZE)
    more = entries[-1].customer_id if len(entries) == PAGE_SIZE else None
    return render_template(
        "console/suppressions.html",
        entries=entries,
        total=total,
        next_after=more,
        errors=errors,
        typed=typed,
        columns=", ".join(CSV_COLUMNS),
        policy=contact_policy_reply(runtime().contacts.policy()),
    )


@blueprint.post("/suppressions")
@page("marketer")
def add_suppression() -> Response | tuple[str, int]:
    """Suppress the customer the form names."""
    typed = {name: request.form.get(name, "").strip() for name in ("customer_id", "reason")}
    try:
        entry = runtime().contacts.suppress(typed, actor=actor())
    except NbaError as error:
        return _page({error.field or "customer_id": error.message}, typed), 400
    flash(f"Customer {entry.customer_id} suppressed: decisions give them no_action only.",
          "success")  # fmt: skip
    return redirect(url_for("console.suppressions"))


@blueprint.post("/suppressions/import")
@page("marketer")
def import_suppressions() -> Response | tuple[str, int]:
    """Suppress every customer of the uploaded CSV file (all rows, or none)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page({"file": "Choose a CSV file."}, {}), 400
    text = io.TextIOWrapper(upload.stream, encoding="utf-8-sig", newline="")
    try:
        added, replaced = runtime().contacts.import_csv(text, source=upload.filename, actor=actor())
    except (NbaError, UnicodeDecodeError) as error:
        message = error.message if isinstance(error, NbaError) else "not a UTF-8 text file"
        return _page({"file": f"Nothing imported: {message}"}, {}), 400
    flash(f"Imported {upload.filename}: {added} added, {replaced} replaced.", "success")
    return redirect(url_for("console.suppressions"))


@blueprint.post("/suppressions/<customer_id>/remove")
@page("marketer")
def remove_suppression(customer_id: str) -> Response:
    """Take a customer off the list."""
    runtime().contacts.unsuppress(customer_id, actor=actor())
    flash(f"Customer {customer_id} is no longer suppressed.", "success")
    return redirect(url_for("console.suppressions"))
