"""Helper of ``make mutation`` (docs/quality.md); not a test module.

``python tests/mutation_scope.py changed BASE``
    prints one mutmut name pattern per function or method of the mutated modules
    (``[tool.mutmut] only_mutate`` in pyproject.toml) whose lines differ between the
    commit ``BASE`` and the working tree; nothing when none does.
``python tests/mutation_scope.py score [PATTERN...]``
    prints, per mutated module, the mutants killed, survived and not run from mutmut's
    results in ``mutants/``, and the score: (killed + timeout) / (killed + timeout +
    survived); a mutant without tests is listed, not scored. With
    patterns (fnmatch over mutant names), only the matching mutants count.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEPARATOR = "ǁ"  # mutmut's separator between a class and its method in a mutant name
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
KILLED = {1, 3, 37}
SURVIVED = {0}
TIMEOUT = {-24, 24, 152, 255, 36}


def mutated_files() -> list[str]:
    """The modules ``[tool.mutmut] only_mutate`` names, relative to the project root."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    files: list[str] = config["tool"]["mutmut"]["only_mutate"]
    return files


def module_of(path: str) -> str:
    """The dotted module name mutmut gives the file ``src/...py``."""
    return path.removeprefix("src/").removesuffix(".py").replace("/", ".")


def functions(source: str) -> list[tuple[int, int, str]]:
    """(first line, last line, mutmut's mangled name) of each top-level function and method."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found.append((first, node.end_lineno or node.lineno, f"x_{node.name}"))
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    first = min([item.lineno, *(d.lineno for d in item.decorator_list)])
                    name = f"x{SEPARATOR}{node.name}{SEPARATOR}{item.name}"
                    found.append((first, item.end_lineno or item.lineno, name))
    return found


def changed_lines(base: str, path: str) -> set[int]:
    """Line numbers of ``path`` (working tree) added or changed since ``base``."""
    diff = subprocess.run(
        ["git", "diff", "-U0", base, "--", path],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines: set[int] = set()
    for line in diff.splitlines():
        match = HUNK.match(line)
        if match:
            start, count = int(match.group(1)), int(match.group(2) or "1")
            # a pure deletion (count 0) changes the function around the line it follows
            lines.update(range(start, start + max(count, 1)))
    return lines


def changed(base: str) -> list[str]:
    patterns = []
    for path in mutated_files():
        lines = changed_lines(base, path)
        if not lines:
            continue
        source = (ROOT / path).read_text("utf-8")
        for first, last, name in functions(source):
            if any(first <= line <= last for line in lines):
                patterns.append(f"{module_of(path)}.{name}__mutmut_*")
    return patterns


def score(patterns: list[str]) -> list[str]:
    rows = []
    for path in mutated_files():
        meta = ROOT / "mutants" / f"{path}.meta"
        if not meta.exists():
            rows.append(f"{path}: no results (run `make mutation-all`)")
            continue
        codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        if patterns:
            codes = {
                name: code
                for name, code in codes.items()
                if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)
            }
        counts: Counter[str] = Counter()
        for code in codes.values():
            if code in KILLED:
                counts["killed"] += 1
            elif code in SURVIVED:
                counts["survived"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
            elif code is None:
                counts["not run"] += 1
            else:
                counts["other"] += 1  # no tests, skipped, suspicious, segfault
        measured = counts["killed"] + counts["survived"] + counts["timeout"]
        caught = counts["killed"] + counts["timeout"]
        percent = f"{100 * caught / measured:.1f} %" if measured else "-"
        rows.append(
            f"{path}: {percent}  killed {counts['killed']}, timeout {counts['timeout']}, "
            f"survived {counts['survived']}, no tests/other {counts['other']}, "
            f"not run {counts['not run']} (of {len(codes)})"
        )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "changed":
        print("\n".join(changed(argv[1])))
        return 0
    if argv and argv[0] == "score":
        print("\n".join(score(argv[1:])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
