"""``python -m supportflow`` and the ``supportflow`` command: simulate, report, diagram,
validate, schemas.

The command line is an adapter over the public API: it reads and writes files, the
library does the work. Every argument is checked before anything is written; a bad
one is a usage message (exit status 2), a document that does not load is named with
its file and the path of the bad field (exit status 1).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final, TextIO

from ._calendars._calendar import BusinessCalendar
from ._customers._customer import Customer
from ._escalation._policy import EscalationPolicy
from ._escalation._versions import EscalationPolicyVersions
from ._kernel._errors import SchemaError, SupportflowError
from ._metrics._kpis import Dimension, kpi_report
from ._proactive._feedback import FeedbackProgram
from ._proactive._incidents import Incident
from ._proactive._maintenance import Maintenance
from ._proactive._outreach import ProactiveCase
from ._sla._policy import SLAPolicy, SLAPolicySet
from ._sla._versions import SLAPolicyVersions
from ._tickets._priority_matrix import PriorityMatrix
from ._tickets._templates import ResponseTemplate
from ._tickets._ticket import Ticket
from ._tickets._tiers import RoutingTable, TierLadder

__all__ = ["main"]

_ONE_US: Final = timedelta(microseconds=1)


class _Policies:
    """The SLA and escalation policies named on the command line (None when not given)."""

    def __init__(
        self,
        sla: SLAPolicySet | SLAPolicyVersions | None,
        escalation: EscalationPolicy | EscalationPolicyVersions | None,
    ) -> None:
        self.sla = sla
        self.escalation = escalation

    def ticket(self, data: object) -> Ticket:
        try:
            return Ticket.from_dict(data, sla=self.sla, escalation=self.escalation)
        except SchemaError as error:
            if error.path == "sla" and self.sla is None:
                raise SchemaError(
                    "sla", f"{error.problem}; on the command line: --sla FILE"
                ) from None
            raise


# Every document type a host persists, by its "type" field, and how it loads.
_LOADERS: Final[dict[str, Callable[[_Policies, object], object]]] = {
    "ticket": _Policies.ticket,
    "calendar": lambda _, data: BusinessCalendar.from_dict(data),
    "sla_policy": lambda _, data: SLAPolicy.from_dict(data),
    "sla_policy_set": lambda _, data: SLAPolicySet.from_dict(data),
    "escalation_policy": lambda _, data: EscalationPolicy.from_dict(data),
    "tier_ladder": lambda _, data: TierLadder.from_dict(data),
    "routing_table": lambda _, data: RoutingTable.from_dict(data),
    "priority_matrix": lambda _, data: PriorityMatrix.from_dict(data),
    "response_template": lambda _, data: ResponseTemplate.from_dict(data),
    "customer": lambda _, data: Customer.from_dict(data),
    "feedback_program": lambda _, data: FeedbackProgram.from_dict(data),
    "incident": lambda _, data: Incident.from_dict(data),
    "maintenance": lambda _, data: Maintenance.from_dict(data),
    "proactive_case": lambda _, data: ProactiveCase.from_dict(data),
}


class _Invalid(Exception):
    """A file or document that cannot be used: ``where: problem``."""


# -- argument types (each raises ArgumentTypeError: argparse turns it into usage) -------


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _date(text: str) -> datetime:
    try:
        day = datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-03-02") from None
    return day.replace(tzinfo=UTC)


def _staff(text: str) -> dict[int, int]:
    tiers: dict[int, int] = {}
    for part in text.split(","):
        tier, _, count = part.partition("=")
        try:
            tiers[int(tier)] = int(count)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not like 1=12,2=11,3=2 (agents per tier)"
            ) from None
    if any(count < 0 for count in tiers.values()) or not any(tiers.values()):
        raise argparse.ArgumentTypeError(f"{text!r} needs at least one agent and no negative")
    return tiers


def _existing(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text!r} does not exist")
    return path


# -- reading documents ------------------------------------------------------------------


def _json_file(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise _Invalid(f"{path}: not JSON (line {error.lineno}, column {error.colno})") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _Invalid(f"{path}: cannot be read ({error})") from None


def _json_files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(path.rglob("*.json"))
        else:
            yield path


def _documents(paths: Sequence[Path]) -> Iterator[tuple[str, object]]:
    """``(where, document)`` for every document in files, folders or SQLite stores.

    A JSON file holds one document or a list of them (``file.json[2]``); an SQLite file
    holds a ``tickets`` table with a ``document`` column (the demo's store).
    """
    for path in _json_files(paths):
        if path.suffix in {".sqlite", ".sqlite3", ".db"}:
            yield from _sqlite_documents(path)
            continue
        data = _json_file(path)
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield f"{path}[{index}]", item
        else:
            yield str(path), data


def _sqlite_documents(path: Path) -> Iterator[tuple[str, object]]:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            # the packaged store's table (supportflow.sqlalchemy), read without it
            rows = connection.execute(
                "SELECT id, document FROM supportflow_aggregates ORDER BY type, id"
            ).fetchall()
    except sqlite3.Error as error:
        raise _Invalid(
            f"{path}: not a supportflow store (supportflow.sqlalchemy) ({error})"
        ) from None
    for ticket_id, document in rows:
        where = f"{path}[{ticket_id}]"
        try:
            yield where, json.loads(document)
        except (TypeError, json.JSONDecodeError):
            raise _Invalid(f"{where}: the document is not JSON") from None


def _load(policies: _Policies, where: str, data: object) -> object:
    kind = data.get("type") if isinstance(data, dict) else None
    loader = _LOADERS.get(kind) if isinstance(kind, str) else None
    if loader is None:
        known = ", ".join(sorted(_LOADERS))
        raise _Invalid(f"{where}: type: expected one of {known}, got {kind!r}")
    try:
        return loader(policies, data)
    except SupportflowError as error:
        raise _Invalid(f"{where}: {error}") from None


def _policies(args: argparse.Namespace) -> _Policies:
    def one(path: Path | None, kind: type[Any]) -> Any:
        if path is None:
            return None
        loaded = _load(_Policies(None, None), str(path), _json_file(path))
        if not isinstance(loaded, kind):
            raise _Invalid(f"{path}: type: expected a {kind.__name__} document")
        return loaded

    def kept(paths: list[Path] | None, kind: type[Any], versions: type[Any], flag: str) -> Any:
        # --sla and --escalation are repeatable: several files are the versions a host
        # keeps (SLAPolicyVersions, EscalationPolicyVersions; the last one current).
        editions = [one(path, kind) for path in paths or ()]
        if len(editions) < 2:
            return editions[0] if editions else None
        try:
            return versions(editions)
        except SupportflowError as error:
            raise _Invalid(f"{flag}: {error}") from None

    return _Policies(
        kept(args.sla, SLAPolicySet, SLAPolicyVersions, "--sla"),
        kept(args.escalation, EscalationPolicy, EscalationPolicyVersions, "--escalation"),
    )


# -- the commands -----------------------------------------------------------------------


def _simulate(args: argparse.Namespace, out: TextIO) -> int:
    from .simulation import Scenario, Staffing, WorkloadProfile, run

    policies = _policies(args)
    sla = policies.sla
    if isinstance(sla, SLAPolicyVersions):  # new tickets open under the current one
        sla = sla.current
    escalation = policies.escalation
    if isinstance(escalation, EscalationPolicyVersions):
        escalation = escalation.current
    try:
        profile = WorkloadProfile(
            start=args.start, days=args.days, tickets_per_day=args.per_day, timezone=args.timezone
        )
        scenario = Scenario(
            name=args.name,
            staffing=Staffing.rotation(args.staff, timezone=args.timezone),
            sla=sla,
            escalation=escalation,
        )
    except SupportflowError as error:
        raise _Usage(str(error)) from None
    if args.html is not None and args.html.is_dir():
        raise _Usage(f"argument --html: {str(args.html)!r} is a folder")
    if args.tickets is not None and args.tickets.exists() and not args.tickets.is_dir():
        raise _Usage(f"argument --tickets: {str(args.tickets)!r} exists and is not a folder")
    sink = None
    if args.tickets is not None:
        folder: Path = args.tickets
        folder.mkdir(parents=True, exist_ok=True)

        def sink(ticket: Any, _outcome: object) -> None:
            document = json.dumps(ticket.to_dict(), separators=(",", ":"))
            (folder / f"{ticket.id}.json").write_text(document, encoding="utf-8")

    result = run(profile.generate(args.seed), scenario, on_ticket_done=sink)
    out.write(result.render_text() + "\n")
    if args.html is not None:
        args.html.write_text(result.to_html(title=f"supportflow: {args.name}"), encoding="utf-8")
        out.write(f"HTML report: {args.html}\n")
    if args.tickets is not None:
        out.write(f"{len(result.outcomes):,} ticket documents in {args.tickets}\n")
    return 0


def _report(args: argparse.Namespace, out: TextIO) -> int:
    policies = _policies(args)
    tickets: list[Ticket] = []
    for where, data in _documents(args.source):
        loaded = _load(policies, where, data)
        if isinstance(loaded, Ticket):
            tickets.append(loaded)
    if not tickets:
        raise _Invalid(f"no ticket document in {', '.join(map(str, args.source))}")
    start = args.start or min(t.created_at for t in tickets)
    end = args.end or max(t.updated_at for t in tickets) + _ONE_US
    try:
        report = kpi_report(tickets, start=start, end=end, group_by=args.group_by or ())
    except SupportflowError as error:
        raise _Usage(str(error)) from None
    if args.json:
        out.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        out.write(report.render_text())
    return 0


def _diagram(args: argparse.Namespace, out: TextIO) -> int:
    from .simulation._html import lifecycles
    from .simulation._svg import state_diagram

    lifecycle = _lifecycles(lifecycles)[args.lifecycle]
    out.write(
        (lifecycle.mermaid() if args.format == "mermaid" else state_diagram(lifecycle)) + "\n"
    )
    return 0


def _lifecycles(found: Callable[[], list[Any]]) -> dict[str, Any]:
    return {lifecycle.kind.replace(" ", "-"): lifecycle for lifecycle in found()}


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    policies = _policies(args)
    problems: list[str] = []
    loaded = 0
    for path in _json_files(args.paths):
        try:
            for where, data in _documents([path]):
                try:
                    _load(policies, where, data)
                    loaded += 1
                except _Invalid as problem:
                    problems.append(str(problem))
        except _Invalid as problem:
            problems.append(str(problem))
    out.writelines(line + "\n" for line in problems)
    out.write(f"{loaded} documents load, {len(problems)} problems\n")
    return 1 if problems else 0


def _schemas(args: argparse.Namespace, out: TextIO) -> int:
    from ._persistence._schemas import schema_files

    folder: Path = args.folder
    if folder.exists() and not folder.is_dir():
        raise _Usage(f"{folder} is not a folder")
    if not args.check and not folder.parent.is_dir():
        raise _Usage(f"{folder.parent} does not exist: create it first")
    files = schema_files()
    if args.check:
        found = {path.name for path in folder.glob("*.json")} if folder.is_dir() else set()
        problems = [f"{folder / name}: missing" for name in sorted(set(files) - found)]
        problems += [
            f"{folder / name}: not what the library generates"
            for name in sorted(set(files) & found)
            if (folder / name).read_text(encoding="utf-8") != files[name]
        ]
        problems += [f"{folder / name}: no such schema" for name in sorted(found - set(files))]
        out.writelines(line + "\n" for line in problems)
        out.write(
            f"{len(files)} schemas, {len(problems)} problems"
            + (f" (run: supportflow schemas {folder})" if problems else "")
            + "\n"
        )
        return 1 if problems else 0
    folder.mkdir(exist_ok=True)
    for stale in folder.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    out.write(f"wrote {len(files)} schemas to {folder}\n")
    return 0


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows defaults, except where there is none to show."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


class _Usage(Exception):
    """A bad argument found after parsing (it becomes an argparse usage message)."""


def _parser() -> argparse.ArgumentParser:
    from .simulation._html import lifecycles

    defaults = _Help
    parser = argparse.ArgumentParser(
        prog="supportflow",
        description="Customer support as a library, from the command line: simulate a help "
        "desk, report KPIs from stored tickets, draw a lifecycle, validate documents, "
        "publish the documents' JSON Schemas.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def policies(command: argparse.ArgumentParser) -> None:
        command.add_argument(
            "--sla",
            type=_existing,
            action="append",
            metavar="FILE",
            help="SLA policy set document, JSON; repeat it for every version the tickets "
            "name, new tickets open under the last (default: none, no SLA clocks)",
        )
        command.add_argument(
            "--escalation",
            type=_existing,
            action="append",
            metavar="FILE",
            help="escalation policy document, JSON; repeat it for every version the "
            "tickets name, new tickets open under the last (default: none)",
        )

    simulate = commands.add_parser(
        "simulate",
        help="simulate a help desk under your policies and print its KPIs",
        description="Simulate a seeded workload through real tickets and print the KPIs.",
        formatter_class=defaults,
    )
    simulate.add_argument("--days", type=_positive, default=30, help="days of customer contacts")
    simulate.add_argument(
        "--per-day", type=_positive, default=400, help="tickets a day, on average"
    )
    simulate.add_argument("--seed", type=int, default=7, help="seed of the workload")
    simulate.add_argument("--start", type=_date, default="2026-03-02", help="first day (UTC)")
    simulate.add_argument("--timezone", default="Europe/Berlin", help="the desk's time zone")
    simulate.add_argument("--staff", type=_staff, default="1=12,2=11,3=2", help="agents per tier")
    simulate.add_argument("--name", default="today", help="the scenario's name")
    policies(simulate)
    simulate.add_argument("--html", type=Path, metavar="FILE", help="write the HTML report here")
    simulate.add_argument(
        "--tickets", type=Path, metavar="FOLDER", help="write every ticket document here"
    )
    simulate.set_defaults(run=_simulate, parser=simulate)

    report = commands.add_parser(
        "report",
        help="KPIs from stored tickets (a folder of documents or an SQLite store)",
        description="KPIs over [start, end) from ticket documents: JSON files, folders of "
        "them, or an SQLite store with a tickets table (the demo's).",
        formatter_class=defaults,
    )
    report.add_argument("source", type=_existing, nargs="+", help="files, folders or stores")
    report.add_argument(
        "--start", type=_date, help="first day (UTC; default: the first ticket's creation)"
    )
    report.add_argument(
        "--end", type=_date, help="day the period ends, excluded (default: after the last event)"
    )
    report.add_argument(
        "--group-by",
        action="append",
        choices=[d.value for d in Dimension],
        help="group the rows (repeat for several)",
    )
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    policies(report)
    report.set_defaults(run=_report, parser=report)

    diagram = commands.add_parser(
        "diagram",
        help="draw a lifecycle as Mermaid text or SVG",
        description="Print a lifecycle's state diagram, drawn from its Machine.",
        formatter_class=defaults,
    )
    diagram.add_argument("lifecycle", choices=sorted(_lifecycles(lifecycles)))
    diagram.add_argument("--format", choices=["mermaid", "svg"], default="mermaid")
    diagram.set_defaults(run=_diagram, parser=diagram)

    validate = commands.add_parser(
        "validate",
        help="check that stored documents and policy files load",
        description="Load every document (JSON files, folders, SQLite stores) the way a "
        "host would; print each one that does not load with the path of the bad field.",
        formatter_class=defaults,
    )
    validate.add_argument("paths", type=_existing, nargs="+", help="files, folders or stores")
    policies(validate)
    validate.set_defaults(run=_validate, parser=validate)

    schemas = commands.add_parser(
        "schemas",
        help="write (or check) the JSON Schema of every document type",
        description="Write the JSON Schema (draft 2020-12) of every document type into a "
        "folder, one <type>.v<schema>.json file each, removing schema files the library no "
        "longer generates; with --check, change nothing and report every file that differs.",
        formatter_class=defaults,
    )
    schemas.add_argument("folder", type=Path, help="the folder of schema files")
    schemas.add_argument(
        "--check", action="store_true", help="report differences instead of writing (exit 1)"
    )
    schemas.set_defaults(run=_schemas, parser=schemas)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit status (2 for usage errors)."""
    parser = _parser()
    args = parser.parse_args(argv)
    stream = sys.stdout if out is None else out
    try:
        status: int = args.run(args, stream)
    except _Usage as error:
        args.parser.error(str(error))
    except _Invalid as problem:
        print(f"supportflow {args.command}: {problem}", file=sys.stderr)
        return 1
    return status
