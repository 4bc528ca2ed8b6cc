"""The console's home: who is signed in and the pages their role may open."""

from __future__ import annotations

from flask import render_template

from api.console._blueprint import blueprint
from api.console.access import page
from api.console.nav import pages_for
from nba.domain import ROLES


@blueprint.get("/")
@page(*ROLES)
def home() -> str:
    """Links to every page the role may open, and to the API reference."""
    return render_template("console/home.html", pages=pages_for())
