"""The console's home: who is signed in, the overview's headline figures for the roles that
may open the overview, and the pages their role may open."""

from __future__ import annotations

from flask import render_template

from api.console._blueprint import blueprint
from api.console.access import may, page
from api.console.nav import pages_for
from api.routes._runtime import runtime
from nba.domain import ROLES


@blueprint.get("/")
@page(*ROLES)
def home() -> str:
    """Links to every page the role may open, and to the API reference."""
    headline = runtime().insights.headline() if may("marketer", "analyst") else None
    return render_template("console/home.html", pages=pages_for(), headline=headline)
