"""The tutorials and the API reference: in the site's nav, diagrams current, reference complete.

(Every ```python block of the tutorials runs in tests/test_docs_examples.py.)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from supportflow._proactive._incidents import INCIDENT_LIFECYCLE

ROOT = Path(__file__).resolve().parent.parent
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))


def test_there_are_the_six_tutorials() -> None:
    assert {page.stem for page in TUTORIALS} == {
        "first-ticket",
        "sla-business-hours",
        "escalation",
        "proactive-incident",
        "persisting",
        "what-if",
    }


@pytest.mark.parametrize("page", TUTORIALS, ids=lambda p: p.stem)
def test_every_tutorial_is_in_the_nav_and_runs_code(page: Path) -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"tutorials/{page.name}" in nav
    assert "```python" in page.read_text(encoding="utf-8")


def test_the_incident_tutorial_shows_the_current_lifecycle() -> None:
    page = (ROOT / "docs" / "tutorials" / "proactive-incident.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{INCIDENT_LIFECYCLE.mermaid()}```" in page


def test_the_reference_is_generated_for_every_public_module() -> None:
    # docs_hooks.py generates one page per concept of the top level, and one per submodule.
    sys.path.insert(0, str(ROOT))
    import docs_hooks

    assert set(docs_hooks.SUBMODULES) == {
        "supportflow.simulation",
        "supportflow.testing",
        "supportflow.schemas",
        "supportflow.sqlalchemy",
        "supportflow.celery",
    }
    # every public module of the library has a page: its own, or its concept's
    public = {
        f"supportflow.{path.stem}" for path in (ROOT / "src" / "supportflow").glob("[a-z]*.py")
    } | {"supportflow.simulation", "supportflow.sqlalchemy", "supportflow.celery"}
    shown = set(docs_hooks.SUBMODULES) | set(docs_hooks.PAGE_MODULES.values())
    assert public == shown
    assert docs_hooks.reference_pages()
    assert "mkdocstrings" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
