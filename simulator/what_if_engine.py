"""The simulator behind the console's what-if jobs (`nba.evaluation.what_if_jobs.WhatIfEngine`).

A job's spec: `catalog` (the proposed catalogue file's text, or from the API its decoded
mapping), `current` (its current one in the same form, or null for the simulator's), `steps`,
`seeds`, `population` and `reward`; its result is `what_if_report.result_json`. Limits keep one
run to a few seconds of one core. A problem in a file's text is an InvalidInput of `catalog`
(or `current`); one in a mapping names its place (`offers.1.cost`, `current.remove.0`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import yaml

from nba.config import RewardMode
from nba.errors import InvalidInput
from nba.evaluation.what_if_jobs import DEFAULTS, LIMITS, MAX_DECISIONS, WhatIfView
from simulator.proposal import Catalogue, apply_changes, default_catalogue
from simulator.scenarios import Stationary
from simulator.what_if import what_if
from simulator.what_if_report import (
    charts,
    explanation,
    figures,
    offer_figures,
    result_from_json,
    result_json,
    rows,
)


class SimulatorWhatIf:
    """Checks, runs and shows what-if specs with `simulator.what_if`."""

    def check(self, spec: Mapping[str, object]) -> None:
        """Raise InvalidInput naming the field of the first problem of `spec`."""
        self._catalogues(spec)
        for name, (low, high) in LIMITS.items():
            value = spec.get(name, DEFAULTS[name])
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise InvalidInput(name, f"must be a whole number from {low:,} to {high:,}")
        steps, seeds = self._size(spec, "steps"), self._size(spec, "seeds")
        if steps * seeds > MAX_DECISIONS:
            raise InvalidInput(
                "steps",
                f"decisions x seeds must be at most {MAX_DECISIONS:,}, got {steps * seeds:,}",
            )
        reward = spec.get("reward", DEFAULTS["reward"])
        if reward not in {mode.value for mode in RewardMode}:
            raise InvalidInput("reward", f"must be one of {[m.value for m in RewardMode]}")

    def run(self, spec: Mapping[str, object]) -> dict[str, object]:
        """Run the spec; the comparison as a JSON-ready document."""
        self.check(spec)
        current, proposed = self._catalogues(spec)
        scenario = dataclasses.replace(Stationary(), population_size=self._size(spec, "population"))
        result = what_if(
            current,
            proposed,
            steps=self._size(spec, "steps"),
            seeds=self._size(spec, "seeds"),
            scenario=scenario,
            reward_mode=str(spec.get("reward", DEFAULTS["reward"])),
        )
        return result_json(result)

    def report(self, results: Mapping[str, object]) -> WhatIfView:
        """A stored result as the console shows it (charts drawn in the browser)."""
        result = result_from_json(results)
        return WhatIfView(
            explanation(result),
            f"{100 * (1 - result.alpha):g}%",
            rows(result),
            charts(result),
            figures(result),
            offer_figures(result),
        )

    def _catalogues(self, spec: Mapping[str, object]) -> tuple[Catalogue, Catalogue]:
        base = default_catalogue()
        if spec.get("current"):
            base = _applied(base, spec["current"], "current")
        return base, _applied(base, spec.get("catalog"), "catalog")

    def _size(self, spec: Mapping[str, object], name: str) -> int:
        value = spec.get(name, DEFAULTS[name])
        assert isinstance(value, int)  # check() said so
        return value


def _applied(base: Catalogue, text: object, field: str) -> Catalogue:
    """`base` changed by a file's text, or by a decoded mapping (see the module for errors)."""
    if isinstance(text, Mapping):
        return _applied_mapping(base, text, "" if field == "catalog" else f"{field}.")
    try:
        return apply_changes(base, _decoded(text, field), source=field)
    except InvalidInput as error:
        if error.field == field:
            raise
        raise InvalidInput(field, error.message) from None


def _applied_mapping(base: Catalogue, changes: Mapping[str, object], prefix: str) -> Catalogue:
    try:
        return apply_changes(base, dict(changes), source=prefix.rstrip(".") or "catalogue")
    except InvalidInput as error:
        field = error.field or "catalogue"
        problem = error.message.removeprefix(f"{field}: ")
        raise InvalidInput(f"{prefix}{field}", problem) from None


def _decoded(text: object, field: str) -> object:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field, "give the catalogue's changes as YAML or JSON")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InvalidInput(field, f"not YAML or JSON: {error}") from None


__all__ = ["DEFAULTS", "LIMITS", "MAX_DECISIONS", "SimulatorWhatIf"]
