"""The Offers pages: the catalog with its figures, an offer and its versions, create and edit,
pause, resume and retire (marketers; analysts read)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from api.console._blueprint import blueprint
from api.console.access import page
from api.console.offer_fields import label_of
from api.console.offer_form import (
    KINDS,
    OfferForm,
    blank_form,
    edit_body,
    form_of_offer,
    form_of_request,
    new_offer_body,
    service_errors,
)
from api.errors import status_of
from api.routes._runtime import actor, runtime
from nba.domain import CATEGORIES, STATUSES, Offer
from nba.errors import Conflict, InvalidInput, NbaError
from nba.serving.catalog import lock_reason
from nba.serving.eligibility import OPERATORS

Page = str | tuple[str, int] | Response


@blueprint.get("/offers")
@page("marketer", "analyst")
def offers_page() -> str:
    """Every offer with its status and figures; `?status=` shows one status only."""
    status = request.args.get("status") or None
    figures = runtime().figures.offers(status)
    return render_template("console/offers.html", figures=figures, status=status, **_words())


@blueprint.get("/offers/<offer_id>")
@page("marketer", "analyst")
def offer_page(offer_id: str) -> str:
    """One offer: its figures, its current fields, its versions and what each changed."""
    figures = runtime().figures.offer(offer_id)
    versions = runtime().catalog.versions(offer_id)
    return render_template(
        "console/offer.html",
        figures=figures,
        offer=figures.offer,
        versions=versions,
        locked=lock_reason(figures.offer),
        **_words(),
    )


@blueprint.route("/new-offer", methods=["GET", "POST"])
@page("marketer")
def new_offer() -> Page:
    """The form of a new offer; a valid one is added at version 1."""
    if request.method == "GET":
        return _form_page(blank_form(), None)
    form = form_of_request(request.form)
    if row := request.form.get("add_row"):
        return _form_page(form.with_row(row), None)
    checked = new_offer_body(form)
    if isinstance(checked, OfferForm):
        return _form_page(checked, None), 400
    try:
        offer = runtime().catalog.add(checked, actor=actor())
    except NbaError as error:
        return _refused(error, form, None)
    flash(f"Offer {offer.id} created (version 1).", "success")
    return redirect(url_for("console.offer_page", offer_id=offer.id))


@blueprint.route("/offers/<offer_id>/edit", methods=["GET", "POST"])
@page("marketer")
def edit_offer(offer_id: str) -> Page:
    """The form filled with the offer; saving what changed makes a new version."""
    current = _changeable(offer_id)
    if request.method == "GET":
        return _form_page(form_of_offer(current), current)
    form = form_of_request(request.form)
    if row := request.form.get("add_row"):
        return _form_page(form.with_row(row), current)
    checked = edit_body(form, current)
    if checked is None:
        flash("Nothing changed, so no new version was made.", "info")
        return redirect(url_for("console.offer_page", offer_id=offer_id))
    if isinstance(checked, OfferForm):
        return _form_page(checked, current), 400
    try:
        edited = runtime().catalog.edit(offer_id, checked, actor=actor())
    except NbaError as error:
        return _refused(error, form, current)
    flash(f"Saved: offer {offer_id} is now at version {edited.version}.", "success")
    return redirect(url_for("console.offer_page", offer_id=offer_id))


@blueprint.post("/offers/<offer_id>/status")
@page("marketer")
def change_status(offer_id: str) -> Response:
    """Pause (`status=paused`) or resume (`status=active`) an offer."""
    status = request.form.get("status", "")
    if status not in ("active", "paused"):
        raise InvalidInput("status", f"must be active or paused, got {status!r}")
    changed = runtime().catalog.set_status(offer_id, status, actor=actor())
    done = "paused: decisions no longer offer it" if status == "paused" else "resumed"
    flash(f"Offer {offer_id} {done} (version {changed.version}).", "success")
    return redirect(url_for("console.offer_page", offer_id=offer_id))


@blueprint.route("/offers/<offer_id>/retire", methods=["GET", "POST"])
@page("marketer")
def retire_offer(offer_id: str) -> Page:
    """A confirmation page; confirmed, the offer is retired for good."""
    if request.method == "GET":
        return render_template("console/offer_retire.html", offer=_changeable(offer_id))
    retired = runtime().catalog.set_status(offer_id, "retired", actor=actor())
    flash(f"Offer {offer_id} retired for good (version {retired.version}).", "success")
    return redirect(url_for("console.offer_page", offer_id=offer_id))


def _changeable(offer_id: str) -> Offer:
    """The offer, if it may still change (else the Conflict the catalog would raise)."""
    offer = runtime().catalog.get(offer_id)
    if (reason := lock_reason(offer)) is not None:
        raise Conflict(reason, field="offer_id")
    return offer


def _form_page(form: OfferForm, offer: Offer | None) -> str:
    return render_template(
        "console/offer_form.html",
        form=form,
        offer=offer,
        categories=CATEGORIES,
        kinds=KINDS,
        operators=OPERATORS,
    )


def _refused(error: NbaError, form: OfferForm, offer: Offer | None) -> tuple[str, int]:
    """The catalog refused the body: show why at the input it names, else as an error page."""
    errors = service_errors(error, form)
    if errors is None:
        raise error
    return _form_page(form.with_errors(errors), offer), status_of(error)


def _words() -> dict[str, object]:
    """What the pages' explanations quote from the settings."""
    nba = runtime()
    return {
        "statuses": STATUSES,
        "reward_window_days": nba.settings.reward.window_days,
        "figures_as_of": nba.figures.as_of(),
        "interval_s": nba.settings.evaluation.summary_interval_s,
    }


@blueprint.app_context_processor
def _offer_helpers() -> dict[str, object]:
    return {"offer_dashboard_url": offer_dashboard_url, "field_label": label_of}


def offer_dashboard_url(offer_id: str) -> str | None:
    """The offer's dashboard page, if the console has one (another page module adds it)."""
    if "console.offer_dashboard" not in current_app.view_functions:
        return None
    return url_for("console.offer_dashboard", offer_id=offer_id)


@blueprint.app_template_filter("shown")
def shown(value: object) -> str:
    """A field's JSON value in words: lists joined, conditions as rules, None as 'not set'."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        rules = value and all(isinstance(v, dict) for v in value)
        return ("; " if rules else ", ").join(shown(v) for v in value) if value else "any"
    if isinstance(value, dict) and {"field", "op", "value"} <= set(value):
        listed = value["value"]
        rule = ", ".join(map(shown, listed)) if isinstance(listed, list) else shown(listed)
        return f"{value['field']} {value['op']} {rule}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@blueprint.app_template_filter("percent")
def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


@blueprint.app_template_filter("money")
def money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"
