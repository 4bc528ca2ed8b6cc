"""The console's pages in the navigation bar, with the roles that may open each."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from api.console.access import may


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: str
    roles: tuple[str, ...]
    about: str


NAV: tuple[NavItem, ...] = (
    NavItem(
        "console.overview",
        "Overview",
        ("marketer", "analyst"),
        "decisions, acceptance, the learned policy against the rules and random, the model",
    ),
    NavItem("console.home", "Home", ("crm", "marketer", "analyst"), "the pages you may open"),
    NavItem(
        "console.offers_page",
        "Offers",
        ("marketer", "analyst"),
        "the catalog: each offer's status, shows, acceptance and spend; create and edit offers",
    ),
    NavItem(
        "console.models",
        "Models",
        ("analyst",),
        "model versions and how each is judged off-policy; activate, roll back, pin, train",
    ),
    NavItem(
        "console.evaluations",
        "Evaluations",
        ("analyst",),
        "evaluate candidate policies on the decision log and read the verdict",
    ),
    NavItem(
        "console.what_ifs",
        "What-if",
        ("marketer", "analyst"),
        "try a new offer, cost or budget on simulated customers before launch",
    ),
    NavItem(
        "console.uplift",
        "Uplift",
        ("marketer", "analyst"),
        "which offers save customers in each churn band, and which the uplift guard keeps out",
    ),
    NavItem(
        "console.campaigns",
        "Campaigns",
        ("marketer", "analyst"),
        "batch campaigns: budget use and shadow prices, and the effect over the holdout",
    ),
    NavItem(
        "console.decisions",
        "Decisions",
        ("marketer", "analyst"),
        "look a decision up by its id, or a customer's decisions: why each offer was chosen",
    ),
    NavItem(
        "console.suppressions",
        "Suppressions",
        ("marketer",),
        "customers who must not be contacted, and the contact policy in force",
    ),
)
"""In display order; a page module adds its entry here (admin sees every entry)."""


def pages_for() -> list[tuple[str, str, str]]:
    """(url, label, about) of every page the signed-in role may open."""
    return [(url_for(item.endpoint), item.label, item.about) for item in NAV if may(*item.roles)]
