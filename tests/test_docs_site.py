"""The docs site: reference split by concept, cross-references linked, offline diagrams."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace

import supportflow
from supportflow.simulation._html import lifecycles

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import docs_hooks  # noqa: E402


def page(src_uri: str) -> SimpleNamespace:
    return SimpleNamespace(file=SimpleNamespace(src_uri=src_uri))


def test_every_public_name_is_on_exactly_one_reference_page() -> None:
    placed = [name for _, names in docs_hooks.reference_pages().values() for name in names]
    assert sorted(placed) == sorted(n for n in supportflow.__all__ if not n.startswith("__"))
    pages = docs_hooks.reference_pages()
    assert "Ticket" in pages["tickets"][1]
    assert "BusinessCalendar" in pages["calendars"][1]
    assert "InvalidArgument" in pages["errors"][1]
    assert "SLAPolicySet" in pages["sla"][1]
    # a concept's public submodule is on its page: supportflow.metrics on "metrics"
    assert docs_hooks.PAGE_MODULES["metrics"] == "supportflow.metrics"
    assert "::: supportflow.metrics" in docs_hooks._markdown("metrics", *pages["metrics"])
    assert docs_hooks._anchors()["kpi_report"] == (
        "reference/metrics.html#supportflow.metrics.kpi_report"
    )


def test_sphinx_roles_become_links_to_the_documented_name() -> None:
    html = (
        "<p>see :class:<code>~supportflow.Ticket</code>, :meth:<code>Ticket.assign</code>, "
        ":exc:<code>InvalidArgument</code>, :func:<code>supportflow.simulation.run</code> "
        "and :class:<code>pendulum.Duration</code></p>"
    )
    out = docs_hooks.on_page_content(html, page("sla.md"), None, None)
    assert ":class:" not in out
    assert ":meth:" not in out
    assert '<a href="reference/tickets.html#supportflow.Ticket"><code>Ticket</code></a>' in out
    assert (
        '<a href="reference/tickets.html#supportflow.Ticket.assign"><code>Ticket.assign</code></a>'
        in out
    )
    assert '<a href="reference/errors.html#supportflow.InvalidArgument">' in out
    assert '<a href="reference/simulation.html#supportflow.simulation.run">' in out
    assert "<code>pendulum.Duration</code>" in out  # nothing to link to: plain code
    nested = docs_hooks.on_page_content(html, page("reference/sla.md"), None, None)
    assert '<a href="../reference/tickets.html#supportflow.Ticket">' in nested


def test_a_lifecycle_mermaid_block_is_drawn_as_svg_and_others_stay() -> None:
    incident = next(lc for lc in lifecycles() if lc.kind == "incident")
    markdown = (
        f"a\n\n```mermaid\n{incident.mermaid()}```\n\n```mermaid\nflowchart LR\n  A --> B\n```\n"
    )
    out = docs_hooks.on_page_markdown(markdown, page("proactive.md"), None, None)
    assert '<figure class="lifecycle"><svg' in out
    assert 'aria-label="incident lifecycle"' in out
    assert "```mermaid\nflowchart LR" in out


def test_every_lifecycle_diagram_of_the_docs_is_current_so_it_renders_offline() -> None:
    drawn = {lifecycle.mermaid().strip() for lifecycle in lifecycles()}
    for doc in sorted((ROOT / "docs").rglob("*.md")):
        text = doc.read_text(encoding="utf-8")
        for block in re.findall(r"^```mermaid\n(stateDiagram-v2\n.*?)^```", text, re.M | re.S):
            if "[*] --> active: metric starts" in block:
                continue  # the SLA clock states: a diagram of the concept, not a Machine
            assert block.strip() in drawn, doc


def test_the_site_links_work_from_file_urls() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^use_directory_urls: false$", config, re.MULTILINE)
    assert re.search(r"^hooks:\n  - docs_hooks.py$", config, re.MULTILINE)


def test_the_architecture_page_draws_every_core_package_from_its_docstring() -> None:
    from test_architecture import LAYERS

    layers = docs_hooks.package_layers()
    assert {name: allowed for name, (_, allowed) in layers.items()} == LAYERS
    markdown = (ROOT / "docs" / "architecture.md").read_text()
    out = docs_hooks.on_page_markdown(markdown, page("architecture.md"), None, None)
    assert "<!-- architecture -->" not in out
    svg = out[out.index("<svg") : out.index("</svg>")]
    for name in LAYERS:
        assert f">{name}</text>" in svg
    assert "| `_sla` |" in out
