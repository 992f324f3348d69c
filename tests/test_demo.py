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
        "SLA compliance % (met / ended)",
        "What if? The same customers under two sets of policies",
        "SLA compliance (no breach)",
        "First reply, median",
        "what if: +staff",
        "HTML report:",
    ):
        assert expected in stdout, expected
    simulated = re.search(r"Simulated ([\d,]+) tickets twice", stdout)
    assert simulated is not None
    assert 60 <= int(simulated.group(1).replace(",", "")) <= 250


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
            and "━" not in line
        ]

    assert figures(again.stdout) == figures(stdout)
