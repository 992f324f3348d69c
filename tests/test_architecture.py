"""The package layout is the architecture: each package imports only the packages below it.

The allowed dependencies are written once, in ``LAYERS`` below, and drawn in
docs/architecture.md; each package's docstring repeats its own line for a reader of
the code. Imports under ``if TYPE_CHECKING:`` count too: an annotation that needs a
package above is a design smell, not an exception.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import supportflow

SRC = Path(supportflow.__file__).parent

# package -> the packages it may import (besides itself)
LAYERS: dict[str, frozenset[str]] = {
    "_kernel": frozenset(),
    "_calendars": frozenset({"_kernel"}),
    "_vocabulary": frozenset({"_kernel"}),
    "_sla": frozenset({"_kernel", "_calendars", "_vocabulary"}),
    "_tickets": frozenset({"_kernel", "_calendars", "_vocabulary", "_sla"}),
    "_escalation": frozenset({"_kernel", "_calendars", "_vocabulary", "_sla", "_tickets"}),
    "_proactive": frozenset({"_kernel", "_vocabulary", "_tickets"}),
    "_metrics": frozenset({"_kernel", "_calendars", "_vocabulary", "_sla", "_tickets"}),
    "_customers": frozenset({"_kernel", "_vocabulary", "_tickets", "_proactive", "_metrics"}),
    "_desk": frozenset({"_kernel", "_calendars", "_vocabulary", "_sla", "_tickets"}),
    "_persistence": frozenset(
        {"_kernel", "_calendars", "_vocabulary", "_sla", "_tickets", "_escalation"}
        | {"_proactive", "_metrics", "_customers"}
    ),
}
CORE = frozenset(LAYERS)
# The public faces and the simulation may use the whole core; the core never uses them.
FACES = frozenset(
    {"__init__", "__main__", "_cli", "testing", "schemas", "events", "metrics", "sla"}
    | {"escalation", "proactive", "customers", "desk"}
)
SIMULATION = "simulation"
INTEGRATIONS = frozenset({"sqlalchemy", "celery"})


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level supportflow package) of every import in a source file."""
    tree = ast.parse(path.read_text(), str(path))
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - node.level + 1])
                target = base + (node.module.split(".") if node.module else [])
                if len(target) == 1:  # "from .. import X": X is a module or a top-level name
                    found += [
                        (node.lineno, alias.name if _is_module(alias.name) else "__init__")
                        for alias in node.names
                    ]
                    continue
            else:
                target = (node.module or "").split(".")
            if target[0] == "supportflow":
                found.append((node.lineno, target[1] if len(target) > 1 else "__init__"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "supportflow":
                    found.append((node.lineno, parts[1] if len(parts) > 1 else "__init__"))
    return found


def _is_module(name: str) -> bool:
    return (SRC / f"{name}.py").exists() or (SRC / name / "__init__.py").exists()


def _owner(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return parts[0]


def _sources() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


def test_every_core_module_sits_in_a_package_of_the_layout() -> None:
    loose = [p.name for p in SRC.glob("*.py") if p.stem not in FACES and p.stem != "py"]
    assert loose == [], f"modules outside the packages of the layout: {loose}"
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == CORE | {SIMULATION} | INTEGRATIONS


def test_every_package_says_what_it_may_import() -> None:
    for package, allowed in LAYERS.items():
        doc = ast.get_docstring(ast.parse((SRC / package / "__init__.py").read_text())) or ""
        assert "May import:" in doc, package
        said = doc.split("May import:")[1]
        named = {name for name in LAYERS if f"``{name}``" in said}
        assert named == allowed, (package, named, allowed)


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_layers(path: Path) -> None:
    owner = _owner(path)
    wrong = []
    for line, target in _imports(path):
        if target == owner:
            continue
        if owner in CORE:
            ok = target in LAYERS[owner]
        elif owner == SIMULATION:
            ok = target in CORE
        elif owner in INTEGRATIONS:
            ok = target in CORE | {"__init__"} | INTEGRATIONS
        else:  # the public faces
            ok = target in CORE | FACES | {SIMULATION}
        if not ok:
            wrong.append(f"line {line}: {owner} imports {target}")
    assert wrong == []


def test_the_core_never_imports_the_integrations_or_the_faces() -> None:
    for path in _sources():
        if _owner(path) in CORE:
            targets = {t for _, t in _imports(path)}
            assert not targets & (INTEGRATIONS | FACES | {SIMULATION}), path
