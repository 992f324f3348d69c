"""MkDocs hooks: the API reference split by concept, cross-references, offline diagrams.

* The reference pages are generated from ``__all__``: every top-level name goes on the
  page of the package that defines it, followed by that concept's public submodule
  (``supportflow.sla`` on the SLA page), so a new name needs no edit here (a package
  this table does not know goes on "Other names").
* Docstrings use Sphinx roles (``:class:`Ticket```); mkdocstrings leaves them as text,
  so each one becomes a link to the documented name, or plain code if it has no page.
* A Mermaid block that is exactly a library lifecycle's ``mermaid()`` is replaced by the
  SVG the library draws of it, so the diagram renders without a network.
"""

from __future__ import annotations

import html
import importlib
import re
from typing import Any

import supportflow
import supportflow.simulation
import supportflow.testing
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

    def offline(match: re.Match[str]) -> str:
        lifecycle = drawn.get(match.group(1).strip())
        if lifecycle is None:
            return match.group(0)
        return f'<figure class="lifecycle">{state_diagram(lifecycle)}</figure>\n'

    return _MERMAID.sub(offline, markdown)
