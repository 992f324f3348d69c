"""MkDocs hooks: the API reference split by concept, cross-references, offline diagrams.

* The reference pages are generated from ``__all__``: every top-level name goes on the
  page of the package that defines it, followed by that concept's public submodule
  (``supportflow.sla`` on the SLA page), so a new name needs no edit here (a package
  this table does not know goes on "Other names").
* Docstrings use Sphinx roles (``:class:`Ticket```); mkdocstrings leaves them as text,
  so each one becomes a link to the documented name, or plain code if it has no page.
* Every diagram renders without a network: a Mermaid block that is exactly a library
  lifecycle's ``mermaid()`` becomes the SVG the library draws of it, the default tier
  ladder's ``mermaid()`` becomes a drawing of the ladder, and the marker
  ``<!-- sla-clock-states -->`` the states of an SLA clock (read from ``ClockState``). The
  site loads no script, style sheet or font from elsewhere (``theme.font: false``).
"""

from __future__ import annotations

import ast
import html
import importlib
import re
from pathlib import Path
from typing import Any

import supportflow
import supportflow.simulation
import supportflow.testing
from supportflow import ClockState, TierLadder
from supportflow._kernel._public import DEFINED_IN
from supportflow.simulation._html import lifecycles
from supportflow.simulation._svg import state_diagram

# Defining package -> (page, title), in the reading order of the reference.
CONCEPTS = {
    "_tickets": ("tickets", "Tickets"),
    "_vocabulary": ("tickets", "Tickets"),
    "_calendars": ("calendars", "Business calendars"),
    "_sla": ("sla", "SLA policies and clocks"),
    "_escalation": ("escalation", "Escalation"),
    "_proactive": ("proactive", "Proactive support"),
    "_customers": ("customers", "Customers"),
    "_metrics": ("metrics", "Metrics and KPIs"),
    "_desk": ("desk", "The desk: expectations and routing"),
    "_events": ("events", "Events"),
    "_kernel": ("errors", "Errors and the kernel"),
}
OTHER = ("other", "Other names")
# Constants are instances: their page is named here.
PLACED = {"TICKET_LIFECYCLE": "_tickets"}
# The public submodule shown on a concept's page, after the top-level names.
PAGE_MODULES = {
    "sla": "supportflow.sla",
    "escalation": "supportflow.escalation",
    "proactive": "supportflow.proactive",
    "customers": "supportflow.customers",
    "metrics": "supportflow.metrics",
    "desk": "supportflow.desk",
    "events": "supportflow.events",
}
# Public submodules with a page of their own.
SUBMODULES = {
    "supportflow.simulation": ("simulation", "supportflow.simulation"),
    "supportflow.testing": ("testing", "supportflow.testing"),
    "supportflow.schemas": ("schemas", "supportflow.schemas"),
    "supportflow.sqlalchemy": ("sqlalchemy", "supportflow.sqlalchemy"),
    "supportflow.celery": ("celery", "supportflow.celery"),
}


def _package_of(name: str) -> str:
    """The private package that defines a top-level name (its ``__module__`` is public)."""
    defined = DEFINED_IN.get(f"supportflow.{name}", "")
    parts = defined.split(".")
    return parts[1] if len(parts) > 2 else ""


def _page_of(name: str) -> tuple[str, str]:
    package = PLACED.get(name) or _package_of(name)
    return CONCEPTS.get(package, OTHER)


def reference_pages() -> dict[str, tuple[str, list[str]]]:
    """``page -> (title, top-level names)`` for every concept page that has content."""
    pages: dict[str, tuple[str, list[str]]] = {}
    for page, title in [*dict.fromkeys(CONCEPTS.values()), OTHER]:
        pages[page] = (title, [])
    for name in supportflow.__all__:
        if name.startswith("__"):
            continue
        pages[_page_of(name)[0]][1].append(name)
    return {page: entry for page, entry in pages.items() if entry[1] or page in PAGE_MODULES}


def _markdown(page: str, title: str, names: list[str]) -> str:
    lines = [f"# {title}", ""]
    if names:
        lines += ["Importable from `supportflow`.", ""]
    for name in names:
        lines += [f"::: supportflow.{name}", "    options:", "      heading_level: 2", ""]
    module = PAGE_MODULES.get(page)
    if module is not None:
        lines += [
            f"## `{module}`",
            "",
            f"::: {module}",
            "    options:",
            "      heading_level: 3",
            "",
        ]
    return "\n".join(lines)


def _anchors() -> dict[str, str]:
    """Public name (and its short form) -> ``page.html#anchor``."""
    found: dict[str, str] = {}
    for page, (_, names) in reference_pages().items():
        for name in names:
            target = f"reference/{page}.html#supportflow.{name}"
            found[name] = found[f"supportflow.{name}"] = target
    modules = {module: page for page, module in PAGE_MODULES.items()}
    modules.update({module: page for module, (page, _) in SUBMODULES.items()})
    for module, page in modules.items():
        for name in importlib.import_module(module).__all__:
            target = f"reference/{page}.html#{module}.{name}"
            found.setdefault(name, target)
            found[f"{module}.{name}"] = target
    return found


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    for page, (title, names) in reference_pages().items():
        files.append(
            File.generated(config, f"reference/{page}.md", content=_markdown(page, title, names))
        )
    for module, (page, title) in SUBMODULES.items():
        files.append(
            File.generated(config, f"reference/{page}.md", content=f"# {title}\n\n::: {module}\n")
        )
    return files


def on_nav(nav: Any, config: Any, files: Any) -> Any:
    from mkdocs.structure.nav import Section
    from mkdocs.structure.pages import Page

    section = next(item for item in nav.items if getattr(item, "title", "") == "Reference")
    pages = [
        *((page, title) for page, (title, _) in reference_pages().items()),
        *SUBMODULES.values(),
    ]
    children = [
        Page(title, files.get_file_from_path(f"reference/{page}.md"), config)
        for page, title in pages
    ]
    section.children[1:1] = [Section("API by concept", children)]
    return nav


_ROLE = re.compile(
    r":(?:py:)?(?:class|meth|func|attr|exc|mod|data|obj|const):<code>(~?)([\w.]+)</code>"
)


def _resolve(identifier: str, anchors: dict[str, str]) -> str | None:
    # supportflow.Ticket.assign -> the page of Ticket, the anchor of the method.
    parts = identifier.split(".")
    for end in range(len(parts), 0, -1):
        target = anchors.get(".".join(parts[:end]))
        if target is not None:
            page, _, anchor = target.partition("#")
            rest = parts[end:]
            return f"{page}#{'.'.join([anchor, *rest])}" if rest else target
    return None


def on_page_content(content: str, page: Any, config: Any, files: Any) -> str:
    anchors = _anchors()
    depth = page.file.src_uri.count("/")

    def link(match: re.Match[str]) -> str:
        short, identifier = match.groups()
        text = identifier.rpartition(".")[2] if short else identifier
        target = _resolve(identifier.removeprefix("supportflow.") if short else identifier, anchors)
        target = target or _resolve(identifier, anchors)
        code = f"<code>{html.escape(text)}</code>"
        if target is None:
            return code
        return f'<a href="{"../" * depth}{target}">{code}</a>'

    return _ROLE.sub(link, content)


_MERMAID = re.compile(r"^```mermaid\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    drawn = {lifecycle.mermaid().strip(): lifecycle for lifecycle in lifecycles()}
    ladder = TierLadder.default()

    def offline(match: re.Match[str]) -> str:
        text = match.group(1).strip()
        lifecycle = drawn.get(text)
        if lifecycle is not None:
            return f'<figure class="lifecycle">{state_diagram(lifecycle)}</figure>\n'
        if text == ladder.mermaid().strip():
            return f'<figure class="ladder">{ladder_svg(ladder)}</figure>\n'
        return match.group(0)

    markdown = _MERMAID.sub(offline, markdown)
    if _ARCHITECTURE in markdown:
        drawing = f'<figure class="architecture">{architecture_svg()}</figure>'
        markdown = markdown.replace(_ARCHITECTURE, f"{drawing}\n\n{architecture_table()}")
    if _CLOCK_STATES in markdown:
        drawing = f'<figure class="clock-states">{clock_states_svg()}</figure>'
        markdown = markdown.replace(_CLOCK_STATES, drawing)
    return markdown


# --- small drawings of concepts that are not a Machine -------------------------------

_CLOCK_STATES = "<!-- sla-clock-states -->"
_INK = "#24292f"
_LINE = "#57606a"


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" role="img" aria-label="{html.escape(label)}" '
            'style="font-family:system-ui,Helvetica,Arial,sans-serif;font-size:12px">',
            f"<title>{html.escape(label)}</title>",
            f'<defs><marker id="head-{label.replace(" ", "-")}" viewBox="0 0 10 10" refX="10" '
            'refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{_LINE}"/></marker></defs>',
            *body,
            "</svg>",
        ]
    )


def _arrow(label: str, points: tuple[float, float, float, float], dashed: bool = False) -> str:
    x1, y1, x2, y2 = points
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return (
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{_LINE}" '
        f'stroke-width="1.3"{dash} marker-end="url(#head-{label.replace(" ", "-")})"/>'
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", style: str = "") -> str:
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" text-anchor="{anchor}" style="{style}">'
        f"{html.escape(text)}</text>"
    )


def _state(x: float, y: float, name: str, final: bool = False) -> list[str]:
    parts = [
        f'<rect x="{x:.0f}" y="{y:.0f}" width="150" height="40" rx="10" fill="#eef3fb" '
        f'stroke="#4e79a7" stroke-width="{3 if final else 1.5}"/>'
    ]
    if final:
        parts.append(
            f'<rect x="{x + 4:.0f}" y="{y + 4:.0f}" width="142" height="32" rx="7" '
            'fill="none" stroke="#4e79a7"/>'
        )
    parts.append(_text(x + 75, y + 25, name, style="font-weight:600"))
    return parts


def clock_states_svg() -> str:
    """The states of an SLA clock cycle: it starts active or paused (both "open"), moves
    between them with the ticket's status, and ends fulfilled or cancelled (double
    border). The state names are ``ClockState``'s values."""
    label = "SLA clock states"
    active, paused, fulfilled, cancelled = (state.value for state in ClockState)
    note = "font-size:11px;fill:#333"
    body = [
        '<rect x="40" y="62" width="580" height="118" rx="16" fill="none" '
        f'stroke="{_LINE}" stroke-dasharray="6 4"/>',
        _text(56, 80, "open", "start", "font-size:11px;fill:#57606a;font-style:italic"),
        f'<circle cx="330" cy="24" r="6" fill="{_INK}"/>',
        _arrow(label, (324, 28, 175, 106)),
        _arrow(label, (336, 28, 485, 106)),
        _text(240, 52, "metric starts, status counts", "end", note),
        _text(420, 52, "metric starts, status pauses it", "start", note),
        *_state(100, 106, active),
        *_state(410, 106, paused),
        _arrow(label, (250, 118, 410, 118)),
        _arrow(label, (410, 136, 250, 136)),
        _text(330, 111, "status pauses the metric", style=note),
        _text(330, 152, "status counts again", style=note),
        _arrow(label, (175, 180, 175, 256)),
        _arrow(label, (485, 180, 485, 256)),
        _text(185, 222, "reply or solve", "start", note),
        _text(495, 212, "close, no target any more,", "start", note),
        _text(495, 226, "solved without reply", "start", note),
        *_state(100, 256, fulfilled, final=True),
        *_state(410, 256, cancelled, final=True),
    ]
    return _svg(660, 310, label, body)


def ladder_svg(ladder: TierLadder) -> str:
    """The tiers of a ladder, bottom tier at the bottom: ``escalate`` moves up a rung,
    ``de-escalate`` (dashed) down one."""
    label = "escalation tiers"
    box_w, box_h, gap = 300, 46, 58
    left = 150
    tiers = list(ladder.tiers)
    height = len(tiers) * (box_h + gap) - gap + 20
    note = "font-size:11px;fill:#333"
    body: list[str] = []
    for index, tier in enumerate(tiers):
        y = height - 10 - box_h - index * (box_h + gap)
        body.append(
            f'<rect x="{left}" y="{y}" width="{box_w}" height="{box_h}" rx="8" '
            f'fill="#f6f8fa" stroke="{_INK}"/>'
        )
        body.append(
            _text(
                left + box_w / 2, y + 19, f"tier {tier.level}: {tier.name}", style="font-weight:600"
            )
        )
        body.append(
            _text(left + box_w / 2, y + 36, ", ".join(tier.teams), style="font-family:monospace")
        )
        if index:
            top_of_below, bottom_of_above = y + box_h + gap, y + box_h
            up, down = left + 100, left + box_w - 100
            body.append(_arrow(label, (up, top_of_below, up, bottom_of_above)))
            body.append(_arrow(label, (down, bottom_of_above, down, top_of_below), dashed=True))
            middle = bottom_of_above + gap / 2 + 4
            body.append(_text(up - 8, middle, "escalate", "end", note))
            body.append(_text(down + 8, middle, "de-escalate", "start", note))
    return _svg(left * 2 + box_w, height, label, body)


# --- the architecture whiteboard, drawn from the packages' own docstrings ------------

_ARCHITECTURE = "<!-- architecture -->"


def package_layers() -> dict[str, tuple[str, frozenset[str]]]:
    """``package -> (first docstring line, packages it may import)``, read from each
    core package's ``__init__`` docstring ("May import: ``_kernel``, ...")."""

    root = Path(supportflow.__file__).resolve().parent
    found: dict[str, tuple[str, frozenset[str]]] = {}
    for init in sorted(root.glob("_*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        if "May import:" not in doc:
            continue
        allowed = frozenset(re.findall(r"``(_\w+)``", doc.split("May import:")[1]))
        found[init.parent.name] = (doc.split("\n\n")[0].replace("\n", " "), allowed)
    return found


def architecture_svg() -> str:
    """The core packages in layers (each above everything it may import), with an arrow
    for every allowed import that is not implied by a longer path."""
    layers = package_layers()
    depth: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in depth:
            depth[name] = 1 + max((level(d) for d in layers[name][1]), default=-1)
        return depth[name]

    for name in layers:
        level(name)

    rows: dict[int, list[str]] = {}
    for name in sorted(layers):
        rows.setdefault(depth[name], []).append(name)
    box_w, box_h, gap_x, gap_y = 150, 34, 30, 56
    width = max(len(r) for r in rows.values()) * (box_w + gap_x) + gap_x
    height = len(rows) * (box_h + gap_y) + gap_y
    where: dict[str, tuple[float, float]] = {}
    for row, names in rows.items():
        span = len(names) * (box_w + gap_x) - gap_x
        for i, name in enumerate(names):
            x = (width - span) / 2 + i * (box_w + gap_x)
            y = height - gap_y - (row + 1) * (box_h + gap_y) + gap_y
            where[name] = (x, y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" role="img" aria-label="supportflow packages and their imports">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#57606a"/></marker></defs>',
    ]
    for name, (_, allowed) in sorted(layers.items()):
        for dep in sorted(allowed):
            if reaches_other(layers, name, dep):
                continue
            x1, y1 = where[name]
            x2, y2 = where[dep]
            parts.append(
                f'<line x1="{x1 + box_w / 2:.0f}" y1="{y1 + box_h:.0f}" '
                f'x2="{x2 + box_w / 2:.0f}" y2="{y2:.0f}" stroke="#57606a" '
                'stroke-width="1.2" marker-end="url(#arrow)"/>'
            )
    for name, (x, y) in where.items():
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6" '
            'fill="#f6f8fa" stroke="#24292f"/>'
            f'<text x="{x + box_w / 2:.0f}" y="{y + box_h / 2 + 5:.0f}" text-anchor="middle" '
            f'font-family="monospace" font-size="14">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def reaches_other(layers: dict[str, tuple[str, frozenset[str]]], start: str, goal: str) -> bool:
    """Whether ``start`` reaches ``goal`` through another allowed import (a longer path)."""
    todo = [d for d in layers[start][1] if d != goal]
    seen: set[str] = set()
    while todo:
        here = todo.pop()
        if here == goal:
            return True
        if here not in seen:
            seen.add(here)
            todo.extend(layers[here][1])
    return False


def architecture_table() -> str:
    rows = ["| package | what lives there | may import |", "|---|---|---|"]
    for name, (summary, allowed) in sorted(package_layers().items()):
        imports = ", ".join(f"`{d}`" for d in sorted(allowed)) or "nothing else"
        rows.append(f"| `{name}` | {summary} | {imports} |")
    return "\n".join(rows)
