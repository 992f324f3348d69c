"""`python -m supportflow`: simulate, report, diagram, validate, with usage errors that say why."""

from __future__ import annotations

import io
import json
import re
import shlex
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    EscalationPolicy,
    EscalationPolicyVersions,
    EscalationRule,
    NotifyManager,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    Ticket,
    WhenSLABreached,
)
from supportflow._cli import main
from supportflow.metrics import kpi_report
from supportflow.schemas import SCHEMA_KINDS, json_schema, schema_file_name

H = timedelta(hours=1)


def run_cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Policy files and a small simulated month written by `supportflow simulate`."""
    folder = tmp_path_factory.mktemp("desk")
    calendar = BusinessCalendar.weekdays("08:00", "18:00", timezone="Europe/Berlin")
    sla = SLAPolicySet(
        [
            SLAPolicy(
                "business hours",
                {
                    "first_reply": {"urgent": H, "high": 2 * H, "normal": 4 * H, "low": 8 * H},
                    "resolution": {
                        "urgent": 8 * H,
                        "high": 16 * H,
                        "normal": 32 * H,
                        "low": 60 * H,
                    },
                },
                calendar=calendar,
            )
        ]
    )
    escalation = EscalationPolicy(
        [EscalationRule("late reply", WhenSLABreached("first_reply"), NotifyManager("lead"))]
    )
    (folder / "sla.json").write_text(json.dumps(sla.to_dict()), encoding="utf-8")
    (folder / "escalation.json").write_text(json.dumps(escalation.to_dict()), encoding="utf-8")
    status, out = run_cli(
        "simulate",
        "--days",
        "2",
        "--per-day",
        "20",
        "--staff",
        "1=2,2=2,3=1",
        "--seed",
        "4",
        *policies(folder),
        "--tickets",
        str(folder / "tickets"),
        "--html",
        str(folder / "report.html"),
    )
    assert status == 0
    (folder / "simulate.txt").write_text(out, encoding="utf-8")
    return folder


def policies(folder: Path) -> list[str]:
    return ["--sla", str(folder / "sla.json"), "--escalation", str(folder / "escalation.json")]


def load(folder: Path) -> list[Ticket]:
    sla = SLAPolicySet.from_dict(json.loads((folder / "sla.json").read_text(encoding="utf-8")))
    escalation = EscalationPolicy.from_dict(
        json.loads((folder / "escalation.json").read_text(encoding="utf-8"))
    )
    return [
        Ticket.from_dict(
            json.loads(path.read_text(encoding="utf-8")), sla=sla, escalation=escalation
        )
        for path in sorted((folder / "tickets").glob("*.json"))
    ]


def test_python_dash_m_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "supportflow", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    for command in ("simulate", "report", "diagram", "validate", "schemas"):
        assert command in result.stdout


def test_simulate_prints_the_kpis_and_writes_every_ticket_and_the_html_report(desk: Path) -> None:
    out = (desk / "simulate.txt").read_text(encoding="utf-8")
    assert "Scenario: today" in out
    assert "SLA compliance (no breach)" in out
    documents = sorted((desk / "tickets").glob("*.json"))
    assert f"{len(documents):,} ticket documents in" in out
    assert 20 <= len(documents) <= 80
    assert (desk / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_gives_what_kpi_report_gives_on_the_loaded_tickets(desk: Path) -> None:
    tickets = load(desk)
    status, out = run_cli(
        "report",
        str(desk / "tickets"),
        "--start",
        "2026-03-02",
        "--end",
        "2026-03-04",
        "--group-by",
        "priority",
        *policies(desk),
    )
    assert status == 0
    start = pendulum.datetime(2026, 3, 2, tz="UTC")
    expected = kpi_report(tickets, start=start, end=start.add(days=2), group_by="priority")
    assert "priority=normal" in out
    assert out == expected.render_text()


def test_report_reads_an_sqlite_store_and_prints_json(desk: Path, tmp_path: Path) -> None:
    from supportflow.sqlalchemy import create_engine, upgrade

    store = tmp_path / "helpdesk.sqlite3"
    engine = create_engine(f"sqlite:///{store}")
    upgrade(engine)  # the packaged store's tables, as the demo writes them
    engine.dispose()
    with sqlite3.connect(store) as connection:
        connection.executemany(
            "INSERT INTO supportflow_aggregates (type, id, version, document, updated_at_us)"
            " VALUES ('ticket', ?, ?, ?, ?)",
            [(t.id, t.version, json.dumps(t.to_dict()), t.updated_at_us) for t in load(desk)],
        )
    connection.close()
    status, out = run_cli("report", str(store), "--json", *policies(desk))
    assert status == 0
    data = json.loads(out)
    assert data["type"] == "kpi_report"
    assert data["overall"]["tickets_created"] == len(load(desk))


def test_diagram_draws_a_lifecycle_as_mermaid_or_svg() -> None:
    status, mermaid = run_cli("diagram", "ticket")
    assert status == 0
    assert mermaid.startswith("stateDiagram-v2")
    assert "solved --> closed" in mermaid
    status, svg = run_cli("diagram", "incident", "--format", "svg")
    assert status == 0
    assert ET.fromstring(svg).tag.endswith("svg")


def test_validate_loads_every_document_and_policy_file(desk: Path) -> None:
    status, out = run_cli("validate", str(desk), *policies(desk))
    assert status == 0
    count = len(list((desk / "tickets").glob("*.json"))) + 2
    assert out == f"{count} documents load, 0 problems\n"


def test_validate_names_the_file_and_the_path_of_each_bad_field(desk: Path, tmp_path: Path) -> None:
    first = sorted((desk / "tickets").glob("*.json"))[0]
    document = json.loads(first.read_text(encoding="utf-8"))
    document["history"][1]["at"] = "yesterday"
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    (tmp_path / "broken.json").write_text('{"type": "ticket",', encoding="utf-8")
    (tmp_path / "other.json").write_text('[{"type": "invoice"}]', encoding="utf-8")
    status, out = run_cli("validate", str(tmp_path), *policies(desk))
    assert status == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'bad.json'}: history[1].at: ")
    assert lines[1].startswith(f"{tmp_path / 'broken.json'}: not JSON (line 1, column")
    assert lines[2].startswith(f"{tmp_path / 'other.json'}[0]: type: expected one of calendar,")
    assert lines[3] == "0 documents load, 3 problems"


def test_a_ticket_with_sla_clocks_needs_the_policy_file(desk: Path) -> None:
    first = sorted((desk / "tickets").glob("*.json"))[0]
    status, out = run_cli("validate", str(first))
    assert status == 1
    assert f"{first}: sla: this ticket was saved with SLA clocks" in out
    assert "on the command line: --sla FILE" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulate", "--days", "0"], "argument --days: 0 is not at least 1"),
        (["simulate", "--per-day", "lots"], "argument --per-day: 'lots' is not a whole number"),
        (["simulate", "--staff", "1=two"], "is not like 1=12,2=11,3=2"),
        (["simulate", "--staff", "1=0"], "needs at least one agent"),
        (["simulate", "--start", "March"], "'March' is not a date like 2026-03-02"),
        (["simulate", "--timezone", "Mars/Olympus"], "Mars/Olympus"),
        (["report", "no-such-folder"], "'no-such-folder' does not exist"),
        (["diagram", "invoice"], "invalid choice: 'invoice'"),
        (["validate"], "the following arguments are required: paths"),
    ],
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        run_cli(*argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: supportflow")
    assert message in err
    assert "Traceback" not in err


def test_simulate_refuses_an_output_folder_that_is_a_file_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        run_cli("simulate", "--days", "1", "--tickets", str(taken))
    assert exit_.value.code == 2
    assert "argument --tickets: " in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "mine"


def test_a_report_without_tickets_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _ = run_cli("report", str(tmp_path))
    assert status == 1
    assert f"supportflow report: no ticket document in {tmp_path}" in capsys.readouterr().err


def test_every_command_of_the_cli_page_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The page's python blocks write the policy files; its sh blocks are commands.
    page = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(python|sh)\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    monkeypatch.chdir(tmp_path)
    commands = 0
    for kind, body in blocks:
        if kind == "python":
            exec(compile(body, "docs/cli.md", "exec"), {"__name__": "docs_cli"})
            continue
        for line in body.splitlines():
            argv = shlex.split(line)
            assert argv[0] == "supportflow", line
            status, _ = run_cli(*argv[1:])
            assert status == 0, line
            commands += 1
    assert commands == 8


# --- schemas -----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


def test_the_checked_in_schema_files_are_the_ones_the_library_generates() -> None:
    status, out = run_cli("schemas", str(ROOT / "docs" / "schemas"), "--check")
    assert (status, out.splitlines()[-1]) == (0, f"{len(SCHEMA_KINDS)} schemas, 0 problems"), (
        "regenerate them: python -m supportflow schemas docs/schemas (or make schemas)\n" + out
    )


def test_schemas_writes_one_file_per_kind_and_check_names_each_stale_file(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    status, out = run_cli("schemas", str(folder))
    assert status == 0
    assert out == f"wrote {len(SCHEMA_KINDS)} schemas to {folder}\n"
    names = sorted(path.name for path in folder.iterdir())
    assert names == sorted(schema_file_name(kind) for kind in SCHEMA_KINDS)
    ticket = folder / schema_file_name("ticket")
    assert json.loads(ticket.read_text(encoding="utf-8")) == json_schema("ticket")

    ticket.write_text("{}\n", encoding="utf-8")
    (folder / schema_file_name("incident")).unlink()
    (folder / "ticket.v0.json").write_text("{}\n", encoding="utf-8")
    status, out = run_cli("schemas", str(folder), "--check")
    assert status == 1
    assert out.splitlines() == [
        f"{folder / schema_file_name('incident')}: missing",
        f"{ticket}: not what the library generates",
        f"{folder / 'ticket.v0.json'}: no such schema",
        f"{len(SCHEMA_KINDS)} schemas, 3 problems (run: supportflow schemas {folder})",
    ]
    assert ticket.read_text(encoding="utf-8") == "{}\n"  # --check changes nothing

    status, _ = run_cli("schemas", str(folder))  # rewriting repairs all three
    assert status == 0
    assert run_cli("schemas", str(folder), "--check")[0] == 0
    assert not (folder / "ticket.v0.json").exists()


def test_schemas_refuses_a_file_or_a_missing_parent_as_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile = tmp_path / "a.json"
    afile.write_text("{}", encoding="utf-8")
    for folder, problem in (
        (afile, "is not a folder"),
        (tmp_path / "missing" / "schemas", "does not exist: create it first"),
    ):
        with pytest.raises(SystemExit) as stopped:
            run_cli("schemas", str(folder))
        assert stopped.value.code == 2
        assert problem in capsys.readouterr().err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.json"]


def test_validate_loads_tickets_under_every_sla_version_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def edition(version: str, hours: int) -> SLAPolicySet:
        policy = SLAPolicy(
            "standard",
            {"first_reply": {"normal": timedelta(hours=hours)}},
            calendar=BusinessCalendar.always_open(),
        )
        return SLAPolicySet([policy], version=version)

    old, new = edition("v1", 4), edition("v2", 2)
    at = pendulum.datetime(2026, 12, 1, 9, tz="UTC")
    ticket = Ticket.open(
        "T-1", customer_id="C-1", subject="s", topic="billing", channel="email", sla=old, at=at
    )
    kept = SLAPolicyVersions([old, new])
    moved = Ticket.from_dict(ticket.to_dict(), sla=kept)
    moved.apply_sla_version("v2", at=at.add(hours=1))
    files = {"v1.json": old, "v2.json": new, "ticket.json": moved}
    for name, item in files.items():
        (tmp_path / name).write_text(json.dumps(item.to_dict()), encoding="utf-8")
    ticket_file, v1, v2 = (str(tmp_path / name) for name in ("ticket.json", "v1.json", "v2.json"))
    assert run_cli("validate", ticket_file, "--sla", v1, "--sla", v2) == (
        0,
        "1 documents load, 0 problems\n",
    )
    status, out = run_cli("validate", ticket_file, "--sla", v1)
    assert status == 1
    assert "history[2].version" in out
    assert "'v2'" in out
    assert run_cli("validate", ticket_file, "--sla", v1, "--sla", v1)[0] == 1
    err = capsys.readouterr().err
    assert err == "supportflow validate: --sla: two SLA policy sets have version 'v1'\n"


def test_validate_loads_tickets_under_every_escalation_version_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rule = EscalationRule("breached", WhenSLABreached("first_reply"), NotifyManager("lead"))
    old = EscalationPolicy([rule], version="e1")
    new = EscalationPolicy([], version="e2")
    at = pendulum.datetime(2026, 12, 1, 9, tz="UTC")
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="s",
        topic="billing",
        channel="email",
        escalation=EscalationPolicyVersions([old, new], current="e1"),
        at=at,
    )
    ticket.apply_escalation_version("e2", at=at.add(hours=1))
    files = {"e1.json": old, "e2.json": new, "ticket.json": ticket}
    for name, item in files.items():
        (tmp_path / name).write_text(json.dumps(item.to_dict()), encoding="utf-8")
    ticket_file, e1, e2 = (str(tmp_path / name) for name in ("ticket.json", "e1.json", "e2.json"))
    assert run_cli("validate", ticket_file, "--escalation", e1, "--escalation", e2) == (
        0,
        "1 documents load, 0 problems\n",
    )
    status, out = run_cli("validate", ticket_file, "--escalation", e1)
    assert status == 1
    assert "history[2].version" in out
    assert "'e2'" in out
    assert run_cli("validate", ticket_file, "--escalation", e2, "--escalation", e2)[0] == 1
    err = capsys.readouterr().err
    assert err == (
        "supportflow validate: --escalation: two escalation policies have version 'e2'\n"
    )
