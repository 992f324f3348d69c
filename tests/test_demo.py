"""`make demo` at a small size: it persists, prints its report and writes the HTML report."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo.py"
SMALL = [sys.executable, str(DEMO), "--days", "3", "--per-day", "40", "--seed", "3"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [
            sys.executable,
            str(DEMO),
            "--days",
            "3",
            "--per-day",
            "40",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "", "COLUMNS": "120", "PYTHONHASHSEED": "0"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, out


def test_the_demo_prints_the_kpi_report_and_the_what_if(demo: tuple[str, Path]) -> None:
    stdout, _ = demo
    for expected in (
        "Support KPIs by priority",
        "priority=urgent",
        "SLA compliance % (clocks met / clocks that ended in the period)",
        "What if? The same customers under two sets of policies",
        "SLA first_reply met (clocks ended)",
        "First reply, median",
        "what if: +staff",
        "HTML report:",
    ):
        assert expected in stdout, expected
    simulated = re.search(r"Simulated ([\d,]+) tickets twice", stdout)
    assert simulated is not None
    assert 60 <= int(simulated.group(1).replace(",", "")) <= 250


def test_the_demo_fits_100_columns_and_prints_instants_people_read(
    demo: tuple[str, Path],
) -> None:
    stdout, _ = demo
    for line in stdout.splitlines():
        if not any(path in line for path in ("persisted to", "HTML report", "supportflow report")):
            assert len(line) <= 100, line
    assert "Support KPIs by priority, 2026-03-02 00:00 UTC to 2026-03-05 00:00 UTC" in stdout
    assert "000000Z" not in stdout


def test_the_what_if_and_the_kpi_report_give_the_same_figures(demo: tuple[str, Path]) -> None:
    # One engine, one window: the what-if's "today" column repeats the report's "all" row.
    stdout, _ = demo
    overall = re.search(r"^\s*all\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)", stdout, re.MULTILINE)
    assert overall is not None
    created, solved, backlog, fcr = overall.groups()
    for label, value in (
        ("Tickets created", created),
        (r"Tickets solved \(first solve\)", solved),
        (r"Backlog at 2026-03-05 00:00 UTC", backlog),
        ("First-contact resolution", f"{fcr} %"),
    ):
        row = re.search(rf"^\s*{label}\s+(\S+(?: %)?)\s", stdout, re.MULTILINE)
        assert row is not None, label
        assert row.group(1) == value, label


def test_the_demo_says_how_to_report_from_its_store_and_that_works(
    demo: tuple[str, Path],
) -> None:
    stdout, _ = demo
    command = next(line for line in stdout.splitlines() if "python -m supportflow report" in line)
    argv = command.split("python -m supportflow ", 1)[1].split()
    result = subprocess.run(
        [sys.executable, "-m", "supportflow", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The ticket figures of the report the demo printed (surveys are not in the store).
    printed = re.search(r"^\s*all\s+(\d+)\s+(\d+)\s+(\d+)", stdout, re.MULTILINE)
    again = re.search(r"^all\s+(\d+)\s+(\d+)\s+(\d+)", result.stdout, re.MULTILINE)
    assert printed is not None
    assert again is not None
    assert printed.groups() == again.groups()


def test_the_demo_persists_every_ticket_to_sqlite(demo: tuple[str, Path]) -> None:
    stdout, out = demo
    with sqlite3.connect(out / "helpdesk.sqlite3") as connection:
        tickets = "FROM supportflow_aggregates WHERE type = 'ticket'"
        stored = connection.execute(f"SELECT COUNT(*) {tickets}").fetchone()[0]
        statuses = {row[0] for row in connection.execute(f"SELECT DISTINCT status {tickets}")}
    assert f"{stored:,} tickets persisted" in stdout
    assert "closed" in statuses


def test_the_html_report_has_the_charts_and_the_diagrams(demo: tuple[str, Path]) -> None:
    _, out = demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert "<link" not in html
    for marker in (
        'id="sla-0"',
        'id="sla-1"',
        'id="backlog"',
        'id="lifecycle-ticket"',
        'id="lifecycle-incident"',
        'id="lifecycle-maintenance"',
        "stateDiagram-v2",
        "SLA compliance by week and priority",
    ):
        assert marker in html, marker
    svgs = re.findall(r"<svg .*?</svg>", html, re.DOTALL)
    assert len(svgs) >= 6
    for svg in svgs:
        ET.fromstring(svg)


def test_the_demo_is_deterministic(demo: tuple[str, Path], tmp_path: Path) -> None:
    stdout, _ = demo
    again = subprocess.run(
        [
            sys.executable,
            str(DEMO),
            "--days",
            "3",
            "--per-day",
            "40",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
        env={"PATH": "", "COLUMNS": "120", "PYTHONHASHSEED": "0"},
    )

    def figures(text: str) -> list[str]:
        # Everything but the wall-clock time and the output folder.
        return [
            line
            for line in text.splitlines()
            if "Simulated" not in line
            and "HTML report" not in line
            and "persisted" not in line
            and "supportflow report" not in line
            and "━" not in line
        ]

    assert figures(again.stdout) == figures(stdout)


def run_demo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(DEMO), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"PATH": "", "COLUMNS": "100"},
    )


def test_the_demo_help_describes_every_option_with_its_default(tmp_path: Path) -> None:
    result = run_demo("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option, default in (
        ("--days", "30"),
        ("--per-day", "400"),
        ("--seed", "7"),
        ("--out", "demo-output"),
    ):
        line = " ".join(result.stdout.split(option, 2)[-1].split())
        assert f"(default: {default})" in line, option
    assert "SQLite" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "argument --days: 0 is not at least 1"),
        (["--per-day", "0"], "argument --per-day: 0 is not at least 1"),
        (["--per-day", "many"], "argument --per-day: 'many' is not a whole number"),
        (["--days", "-3"], "argument --days: -3 is not at least 1"),
    ],
)
def test_bad_options_are_usage_errors_and_the_previous_run_stays(
    tmp_path: Path, args: list[str], message: str
) -> None:
    previous = tmp_path / "helpdesk.sqlite3"
    previous.write_bytes(b"the previous run")
    result = run_demo(*args, "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: demo.py")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert previous.read_bytes() == b"the previous run"
    assert result.stdout == ""


def test_an_out_path_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder", encoding="utf-8")
    result = run_demo("--days", "1", "--out", str(taken), cwd=tmp_path)
    assert result.returncode == 2
    assert "exists and is not a folder" in result.stderr
    assert taken.read_text(encoding="utf-8") == "not a folder"
