"""Dependencies point inward: each package imports only the layers below it (DESIGN.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# (modules a rule covers, modules exempt from it, imports they must not make)
RULES = [
    (
        "policies",
        (),
        ("nba", "api", "simulator", "flask", "werkzeug", "sqlmodel", "sqlalchemy"),
    ),
    ("nba", ("nba.cli", "nba.bench"), ("api", "simulator", "flask", "werkzeug", "gunicorn")),
    (
        "nba.storage",
        (),
        ("nba.serving", "nba.learning", "nba.evaluation", "nba.ope", "nba.runtime", "nba.cli"),
    ),
    (
        "nba.ope",
        (),
        ("nba.serving", "nba.learning", "nba.evaluation", "nba.storage", "nba.runtime", "nba.cli"),
    ),
    ("nba.evaluation", (), ("nba.serving", "nba.runtime", "nba.cli")),
    ("nba.learning", (), ("nba.serving", "nba.runtime", "nba.cli", "nba.evaluation.jobs")),
    ("nba.serving", (), ("nba.runtime", "nba.cli")),
    ("nba.uplift", (), ("nba.serving", "nba.runtime", "nba.cli")),
    ("nba.schemas", (), ("nba.storage", "nba.runtime", "nba.cli", "nba.bench")),
    ("api", (), ("nba.storage", "sqlmodel", "sqlalchemy", "vowpal_wabbit_next", "simulator")),
    ("simulator", (), ("api", "flask", "werkzeug")),
]
for _base in ("nba.domain", "nba.errors", "nba.config", "nba.logschema", "nba.reward"):
    RULES.append((_base, (), ("nba.serving", "nba.learning", "nba.evaluation", "nba.ope",
                              "nba.storage", "nba.runtime", "nba.cli", "nba.bench")))  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


MODULES = {
    _module_name(path): path
    for package in ("nba", "policies", "api", "simulator")
    for path in (ROOT / package).rglob("*.py")
    if "migrations" not in path.parts
}


def test_the_rules_cover_real_modules() -> None:
    for covered, exempt, _ in RULES:
        assert any(_within(name, covered) for name in MODULES), covered
        for prefix in exempt:
            assert any(_within(name, prefix) for name in MODULES), prefix


@pytest.mark.parametrize("covered, exempt, forbidden", RULES, ids=[rule[0] for rule in RULES])
def test_no_module_imports_a_layer_above_it(
    covered: str, exempt: tuple[str, ...], forbidden: tuple[str, ...]
) -> None:
    broken = sorted(
        f"{name} imports {target}"
        for name, path in MODULES.items()
        if _within(name, covered) and not any(_within(name, e) for e in exempt)
        for target in _imports(path)
        if any(_within(target, f) for f in forbidden)
    )
    assert broken == []
