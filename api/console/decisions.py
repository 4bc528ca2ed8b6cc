"""The decisions page: look one up by id, or a customer's, and read why it came out as it did."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.routes._runtime import runtime
from nba.errors import InvalidInput, NotFound
from nba.health import read_health
from nba.schemas import check_text

ROLES = ("marketer", "analyst")
PER_PAGE = 20


@blueprint.get("/decisions")
@page(*ROLES)
def decisions() -> str | Response | tuple[str, int]:
    """The look-up form; a decision id leads to its page, a customer id lists its decisions."""
    decision_id = _arg("decision_id")
    if decision_id:
        return redirect(url_for("console.decision", decision_id=decision_id))
    customer_id = _arg("customer_id")
    found = None
    if customer_id:
        found = runtime().lookup.customer(customer_id, _page(), PER_PAGE)
    return render_template("console/decisions.html", customer_id=customer_id, found=found)


@blueprint.get("/decisions/<decision_id>")
@page(*ROLES)
def decision(decision_id: str) -> str | tuple[str, int]:
    """One decision: context, eligible offers and their chances, exclusions, outcome, reasons."""
    check_text({"decision_id": decision_id})
    try:
        record = runtime().lookup.decision(decision_id)
    except NotFound:
        html = render_template("console/decisions.html", missing=decision_id, found=None)
        return html, 404
    health = read_health(record.decision.context_dict)
    return render_template("console/decision.html", record=record, rule_of=_split, health=health)


def _arg(name: str) -> str:
    value = request.args.get(name, "").strip()
    check_text({name: value})
    return value


def _page() -> int:
    raw = request.args.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput("page", f"must be a page number from 1, got {raw!r}")
    return int(raw)


def _split(reason: str) -> tuple[str, str]:
    """An exclusion's rule and its detail (`budget: 100 of 100 accepts used`)."""
    rule, _, detail = reason.partition(": ")
    return (rule, detail) if detail else ("", reason)
