"""Helper of ``make mutation`` (docs/quality.md); not a test module.

A profile is a set of mutated modules run against their own selection of tests: the
main profile is ``[tool.mutmut]`` in pyproject.toml, run at the project root (results in
``mutants/``); each table ``[tool.supportflow-mutation.NAME]`` is another, whose
``only_mutate`` and ``pytest_add_cli_args_test_selection`` replace the main profile's and
which runs in ``build/mutation-NAME/`` (results in its ``mutants/``).

``python tests/mutation_scope.py profiles``
    prints the profiles' names, the main profile first.
``python tests/mutation_scope.py changed BASE [PROFILE]``
    prints one mutmut name pattern per function or method of the profile's mutated
    modules (default: the main profile) whose lines differ between the commit ``BASE``
    and the working tree; nothing when none does.
``python tests/mutation_scope.py profile NAME``
    makes ``build/mutation-NAME/``: links to the project's sources, tests, docs and
    examples, and a pyproject.toml whose ``[tool.mutmut]`` is the profile's; prints the
    directory, where ``mutmut run`` is then started.
``python tests/mutation_scope.py score [PATTERN...]``
    prints, per mutated module of every profile, the mutants killed, survived and not
    run from mutmut's results, and the score: (killed + timeout) / (killed + timeout +
    survived); a mutant without tests is listed, not scored. With patterns (fnmatch
    over mutant names), only the matching mutants count.
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
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEPARATOR = "ǁ"  # mutmut's separator between a class and its method in a mutant name
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
KILLED = {1, 3, 37}
SURVIVED = {0}
TIMEOUT = {-24, 24, 152, 255, 36}


MAIN = "main"
LINKED = ("src", "tests", "docs", "examples")  # what a profile's directory links to


def _tool() -> dict[str, Any]:
    tool: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]
    return tool


def profiles() -> list[str]:
    """The main profile, then the others in the order pyproject.toml gives them."""
    return [MAIN, *_tool().get("supportflow-mutation", {})]


def profile_config(name: str) -> dict[str, Any]:
    """The ``[tool.mutmut]`` settings of profile ``name``."""
    tool = _tool()
    config = dict(tool["mutmut"])
    if name != MAIN:
        extra = tool.get("supportflow-mutation", {})
        if name not in extra:
            raise SystemExit(f"no mutation profile {name!r} (profiles: {', '.join(profiles())})")
        config.update(extra[name])
    return config


def profile_dir(name: str) -> Path:
    """Where profile ``name`` runs (its results are in ``mutants/`` there)."""
    return ROOT if name == MAIN else ROOT / "build" / f"mutation-{name}"


def mutated_files(name: str = MAIN) -> list[str]:
    """The modules profile ``name`` mutates, relative to the project root."""
    files: list[str] = profile_config(name)["only_mutate"]
    return files


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {value!r} in [tool.mutmut]")


def make_profile(name: str) -> Path:
    """Make profile ``name``'s directory (see the module's docstring) and return it."""
    if name == MAIN:
        return ROOT
    config = profile_config(name)
    where = profile_dir(name)
    where.mkdir(parents=True, exist_ok=True)
    for entry in LINKED:
        link = where / entry
        if not link.is_symlink():
            link.symlink_to(ROOT / entry, target_is_directory=True)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    start = text.index("\n[tool.mutmut]\n")
    end = text.find("\n[", start + 1)
    table = "".join(f"{key} = {_toml_value(value)}\n" for key, value in config.items())
    rest = "" if end == -1 else text[end:]
    generated = f"{text[:start]}\n[tool.mutmut]\n{table}{rest}"
    target = where / "pyproject.toml"
    if not target.exists() or target.read_text("utf-8") != generated:
        target.write_text(generated, "utf-8")  # unchanged, it keeps mutmut's results
    return where


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


def changed(base: str, profile: str = MAIN) -> list[str]:
    patterns = []
    for path in mutated_files(profile):
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
    for profile in profiles():
        rows += _score(profile, patterns)
    return rows


def _score(profile: str, patterns: list[str]) -> list[str]:
    rows = []
    for path in mutated_files(profile):
        meta = profile_dir(profile) / "mutants" / f"{path}.meta"
        if not meta.exists():
            target = "mutation-all" if profile == MAIN else f"mutation-{profile}"
            rows.append(f"{path}: no results (run `make {target}`)")
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
    if len(argv) in (2, 3) and argv[0] == "changed":
        print("\n".join(changed(*argv[1:])))
        return 0
    if argv == ["profiles"]:
        print("\n".join(profiles()))
        return 0
    if len(argv) == 2 and argv[0] == "profile":
        print(make_profile(argv[1]))
        return 0
    if argv and argv[0] == "score":
        print("\n".join(score(argv[1:])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
