"""What a user installs: licence, metadata, extras against dependency groups, a lean import."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import supportflow

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_mit_licence_ships_with_the_distribution() -> None:
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    metadata = importlib.metadata.distribution("supportflow").metadata
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]


def test_development_tools_are_dependency_groups_not_published_extras() -> None:
    extras = PROJECT["project"]["optional-dependencies"]
    # published extras are what users install: country holidays, the test strategies
    # and the production integrations
    assert set(extras) == {"holidays", "testing", "sqlalchemy", "celery"}
    groups = PROJECT["dependency-groups"]
    tools = {
        requirement.split(">")[0].split("[")[0]
        for name in ("test", "lint", "docs")
        for requirement in groups[name]
    }
    assert {"pytest", "ruff", "mypy", "mkdocs"} <= tools
    assert groups["demo"] == ["rich>=13.0"]
    assert {"include-group": "test"} in groups["dev"]


def test_the_classifiers_name_the_python_this_suite_runs_on() -> None:
    classifiers = PROJECT["project"]["classifiers"]
    running = f"Programming Language :: Python :: {sys.version_info.major}.{sys.version_info.minor}"
    assert running in classifiers
    assert "Typing :: Typed" in classifiers


def test_the_console_script_is_the_command_line() -> None:
    (script,) = [
        entry
        for entry in importlib.metadata.entry_points(group="console_scripts")
        if entry.name == "supportflow"
    ]
    assert script.value == "supportflow._cli:main"
    assert PROJECT["project"]["scripts"] == {"supportflow": "supportflow._cli:main"}


def test_importing_supportflow_reads_no_metadata_until_the_version_is_asked() -> None:
    result = run_python(
        "import sys, supportflow\n"
        "print('importlib.metadata' in sys.modules)\n"
        "print(supportflow.__version__)\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", importlib.metadata.version("supportflow")]
    assert supportflow.__version__ == importlib.metadata.version("supportflow")


def test_an_unknown_top_level_name_is_an_attribute_error() -> None:
    assert not hasattr(supportflow, "Tickets")


def test_supportflow_testing_without_hypothesis_names_the_extra_to_install() -> None:
    result = run_python(
        "import sys\nsys.modules['hypothesis'] = None\nimport supportflow.testing\n"
    )
    assert result.returncode == 1
    assert result.stderr.rstrip().endswith(
        "ModuleNotFoundError: supportflow.testing needs hypothesis: install the testing "
        "extra, pip install 'supportflow[testing]'"
    )


def test_importing_supportflow_builds_no_codec_and_loads_no_integration() -> None:
    # What `import supportflow` costs is the classes themselves: every codec plans its
    # classes (and the ticket its encoder and decoder tables) on first use, and no
    # optional integration or development tool is imported.
    result = run_python(
        "import gc, sys, supportflow\n"
        "from supportflow._kernel._serde import Codec\n"
        "codecs = [o for o in gc.get_objects() if isinstance(o, Codec)]\n"
        "print(len(codecs), sum(len(c._plans) for c in codecs))\n"
        "extras = ('sqlalchemy', 'celery', 'hypothesis', 'rich', 'redis', 'alembic')\n"
        "print(sorted(m for m in extras if m in sys.modules) or 'none')\n"
        "import pendulum\n"
        "ticket = supportflow.Ticket.open('T-1', customer_id='c', subject='s', topic='billing',\n"
        "    channel='email', at=pendulum.datetime(2026, 1, 5, tz='UTC'))\n"
        "supportflow.Ticket.from_dict(ticket.to_dict())\n"
        "print(sum(len(c._plans) for c in codecs) > 0)\n"
    )
    assert result.returncode == 0, result.stderr
    codecs, plans, extras, planned = result.stdout.split()
    assert int(codecs) >= 6
    assert (plans, extras, planned) == ("0", "none", "True")
