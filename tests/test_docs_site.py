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


def test_every_diagram_of_the_docs_is_drawn_without_mermaid() -> None:
    for doc in sorted((ROOT / "docs").rglob("*.md")):
        uri = doc.relative_to(ROOT / "docs").as_posix()
        out = docs_hooks.on_page_markdown(doc.read_text(encoding="utf-8"), page(uri), None, None)
        assert "```mermaid" not in out, uri
        assert "<!-- sla-clock-states -->" not in out, uri
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert "mermaid" not in config  # no fence left for Material to load mermaid.js for


def test_the_clock_states_drawing_names_every_clock_state() -> None:
    from supportflow import ClockState

    markdown = (ROOT / "docs" / "sla.md").read_text(encoding="utf-8")
    out = docs_hooks.on_page_markdown(markdown, page("sla.md"), None, None)
    svg = out[out.index('<figure class="clock-states"><svg') : out.index("</svg></figure>")]
    for state in ClockState:
        assert f">{state.value}</text>" in svg
    assert svg.count('stroke-width="3"') == 2  # fulfilled and cancelled are final


def test_the_ladder_drawing_shows_every_tier_and_both_moves() -> None:
    from supportflow import Tier, TierLadder

    ladder = TierLadder(
        tiers=(Tier(0, "help centre", ("bots",)), Tier(1, "agents", ("desk", "chat")))
    )
    svg = docs_hooks.ladder_svg(ladder)
    assert ">tier 0: help centre</text>" in svg
    assert ">desk, chat</text>" in svg
    assert svg.count(">escalate</text>") == 1
    assert svg.count(">de-escalate</text>") == 1
    markdown = (ROOT / "docs" / "escalation.md").read_text(encoding="utf-8")
    out = docs_hooks.on_page_markdown(markdown, page("escalation.md"), None, None)
    assert out.count('<figure class="ladder"><svg') == 1
    assert out.count(">escalate</text>") == len(TierLadder.default().tiers) - 1


def test_the_built_site_loads_nothing_from_another_host(tmp_path: Path) -> None:
    import os
    import subprocess

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 20
    remote = re.compile(
        r"<(?:script|img|iframe)\b[^>]*\bsrc=\"(?:https?:)?//|"
        r"<link\b[^>]*\bhref=\"(?:https?:)?//|@import\s+url\(\"?(?:https?:)?//",
        re.IGNORECASE,
    )
    for html_page in pages:
        text = html_page.read_text(encoding="utf-8")
        assert not remote.search(text), html_page.relative_to(site)
        assert 'class="mermaid"' not in text, html_page.relative_to(site)
    for sheet in site.rglob("*.css"):
        assert not re.search(r"url\([\"']?(?:https?:)?//", sheet.read_text(encoding="utf-8")), sheet
