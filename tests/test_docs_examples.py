"""Every ```python block of README.md and docs/*.md runs.

The blocks of one page run in order in one namespace, like a reader following along.
Blocks that are not meant to run use another fence (```text, ```pycon, ```sh).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page: Path) -> list[str]:
    return FENCE.findall(page.read_text(encoding="utf-8"))


def test_the_pages_are_found() -> None:
    assert ROOT / "README.md" in PAGES
    assert any(page.name == "getting-started.md" for page in PAGES)


def test_the_block_finder_sees_python_fences_only() -> None:
    text = "```python\nx = 1\n```\n\n```text\nnot code\n```\n```python title\ny = 2\n```\n"
    assert FENCE.findall(text) == ["x = 1\n", "y = 2\n"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for index, block in enumerate(python_blocks(page)):
        code = compile(block, f"{page.relative_to(ROOT)}[block {index}]", "exec")
        exec(code, namespace)
