"""Whatever a document holds, loading it raises SchemaError or succeeds: never another error.

A host's database or a message queue can hand back anything: here every value of a
real document of each type is replaced in turn by 990 nested lists (deeper than any
recursive repr survives), a NaN, an infinity, a huge integer and a bool.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from persistence_config import T0, escalation_policy, office, sla_policies
from supportflow import BusinessCalendar, EscalationPolicy, SchemaError, SLAPolicySet, Ticket
from supportflow._customers._customer import Customer
from supportflow._proactive._feedback import FeedbackProgram
from supportflow._proactive._incidents import Incident
from supportflow._proactive._maintenance import Maintenance
from supportflow._proactive._outreach import ProactiveCase
from test_proactive_loads import case_doc, customer_doc, incident_doc, maintenance_doc, program_doc


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


ODD_VALUES = [nested(990), float("nan"), float("inf"), 10**30, True]


def ticket_doc() -> dict[str, Any]:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Printer on fire",
        topic="troubleshooting",
        channel="email",
        at=T0,
        sla=SLA,
        escalation=ESCALATION,
    )
    ticket.assign("ana", at=T0.add(minutes=5))
    ticket.reply("ana", "On it.", at=T0.add(minutes=10))
    return ticket.to_dict()


def paths(value: object, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*at, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*at, index))
    if at:
        yield at


SLA, ESCALATION = sla_policies(), escalation_policy()

LOADERS: list[tuple[str, Callable[[], dict[str, Any]], Callable[[object], object]]] = [
    (
        "ticket",
        ticket_doc,
        lambda d: Ticket.from_dict(d, sla=SLA, escalation=ESCALATION),
    ),
    ("incident", incident_doc, Incident.from_dict),
    ("maintenance", maintenance_doc, Maintenance.from_dict),
    ("proactive_case", case_doc, ProactiveCase.from_dict),
    ("feedback_program", program_doc, FeedbackProgram.from_dict),
    ("customer", customer_doc, Customer.from_dict),
    ("calendar", lambda: office().to_dict(), BusinessCalendar.from_dict),
    ("sla_policies", lambda: sla_policies().to_dict(), SLAPolicySet.from_dict),
    ("escalation_policy", lambda: escalation_policy().to_dict(), EscalationPolicy.from_dict),
]


@pytest.mark.parametrize(("name", "make", "load"), LOADERS, ids=[n for n, _, _ in LOADERS])
def test_any_value_anywhere_loads_or_raises_schema_error(
    name: str, make: Callable[[], dict[str, Any]], load: Callable[[object], object]
) -> None:
    original = make()
    load(copy.deepcopy(original))
    # Items of a list share their shape: the first two of each list stand for the rest
    # (loading a policy set builds its calendars, so every path would cost minutes).
    # Inside a policy, a calendar is replaced whole (the calendar case goes inside).
    chosen = [
        p
        for p in paths(original)
        if all(type(k) is str or k < 2 for k in p) and "calendar" not in p[:-1]
    ]
    # A policy set builds its calendars at each load: two odd values are enough there.
    odd_values = ODD_VALUES[::3] if name == "sla_policies" else ODD_VALUES
    for path in chosen:
        for odd in odd_values:
            doc = copy.deepcopy(original)
            holder = doc
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = odd
            try:
                load(doc)
            except SchemaError:
                pass
            except Exception as error:  # pragma: no cover - the failure message
                pytest.fail(
                    f"{name} {list(path)} = {str(odd)[:20]}: {type(error).__name__}: {error}"
                )
