"""The committed lifecycle diagrams are exactly what the shared Machines generate."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportflow._kernel._lifecycle import Lifecycle
from supportflow._proactive._feedback import FEEDBACK_PROGRAM_LIFECYCLE, SURVEY_LIFECYCLE
from supportflow._proactive._incidents import INCIDENT_LIFECYCLE
from supportflow._proactive._maintenance import MAINTENANCE_LIFECYCLE
from supportflow._proactive._outreach import PROACTIVE_CASE_LIFECYCLE

DIAGRAMS = Path(__file__).resolve().parent.parent / "docs" / "diagrams"
LIFECYCLES = {
    "proactive-case": PROACTIVE_CASE_LIFECYCLE,
    "incident": INCIDENT_LIFECYCLE,
    "maintenance": MAINTENANCE_LIFECYCLE,
    "feedback-program": FEEDBACK_PROGRAM_LIFECYCLE,
    "survey": SURVEY_LIFECYCLE,
}
PAGE = Path(__file__).resolve().parent.parent / "docs" / "proactive.md"


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_committed_diagram_matches_the_machine(name: str) -> None:
    committed = (DIAGRAMS / f"{name}.mmd").read_text(encoding="utf-8")
    generated = LIFECYCLES[name].mermaid()
    assert committed == generated, (
        f"docs/diagrams/{name}.mmd is stale: write {name}'s Lifecycle.mermaid() to it "
        "and paste it into docs/proactive.md"
    )


@pytest.mark.parametrize("name", sorted(LIFECYCLES))
def test_the_docs_page_shows_the_current_diagram(name: str) -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert f"```mermaid\n{LIFECYCLES[name].mermaid()}```" in page


@pytest.mark.parametrize("lifecycle", LIFECYCLES.values(), ids=list(LIFECYCLES))
def test_every_lifecycle_is_one_shared_machine_without_a_model(lifecycle: Lifecycle) -> None:
    assert lifecycle.machine.models == []
    assert lifecycle.initial in lifecycle.states
    assert lifecycle.final_states
