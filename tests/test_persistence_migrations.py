"""Stored documents keep loading, and older schemas go through the registered migrations.

``fixtures/ticket-schema-1.json`` is a real ticket document written by the first ticket
format (schema 1), kept as a file: every later supportflow must still load it, and
while schema 1 is current, write it back byte for byte. When the ticket format moves
to schema 2, this fixture becomes the older-format document that the registered
``1 -> 2`` step must upgrade.

The migration tests run a real document through ``Ticket.from_dict`` with a ticket
registry of upgrade steps standing in for future schemas, to pin down what the
mechanism guarantees: steps run in order, on a copy, and a step that cannot handle a
document becomes a :class:`SchemaError`.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import supportflow._tickets._ticket as tickets_module
from supportflow import SchemaError, SchemaVersionError, Ticket, TicketStatus
from supportflow._kernel._serde import Migrations, renamed_events
from supportflow._tickets._codec import TICKET_EVENT_NAMES_1, TICKET_MIGRATIONS

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ticket-schema-1.json"


def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def test_a_stored_schema_1_ticket_still_loads() -> None:
    ticket = Ticket.from_dict(stored())
    assert ticket.id == "T-2"
    assert ticket.status is TicketStatus.CLOSED
    assert ticket.reopens == 1
    assert ticket.assignee == "ben"
    assert ticket.version == len(stored()["history"]) == 18
    assert Ticket.replay(ticket.history) == ticket


def test_a_schema_1_ticket_is_written_back_as_schema_2_with_only_its_event_names_changed() -> None:
    expected = renamed_events(TICKET_EVENT_NAMES_1)({**stored(), "schema": 2})
    assert TICKET_MIGRATIONS.current == 2
    assert Ticket.from_dict(stored()).to_dict() == expected
    assert {entry["event"] for entry in stored()["history"]} & set(TICKET_EVENT_NAMES_1)


def _rename(document: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    upgraded = dict(document)
    upgraded[new] = upgraded.pop(old)
    return upgraded


def test_from_dict_runs_the_registered_steps_in_order_on_a_copy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[int] = []

    def one_to_two(document: dict[str, Any]) -> dict[str, Any]:
        ran.append(document["schema"])
        # the real step 1 -> 2 (event names), then a rename only this test knows
        return _rename(renamed_events(TICKET_EVENT_NAMES_1)(document), "tags", "labels")

    def two_to_three(document: dict[str, Any]) -> dict[str, Any]:
        ran.append(document["schema"])
        # Only works if 1 -> 2 ran first: "labels" exists only in schema 2.
        return _rename(document, "labels", "tags")

    monkeypatch.setattr(
        tickets_module,
        "TICKET_MIGRATIONS",
        Migrations("ticket", 3, {1: one_to_two, 2: two_to_three}),
    )
    original = stored()
    untouched = copy.deepcopy(original)
    ticket = Ticket.from_dict(original)
    assert ran == [1, 2]
    assert original == untouched
    assert ticket.tags == frozenset({"export", "bug"})
    assert ticket.to_dict()["schema"] == 3


def test_a_step_that_cannot_upgrade_a_document_is_a_schema_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def needs_a_field_that_is_not_there(document: dict[str, Any]) -> dict[str, Any]:
        return _rename(document, "labels", "tags")

    monkeypatch.setattr(
        tickets_module,
        "TICKET_MIGRATIONS",
        Migrations("ticket", 2, {1: needs_a_field_that_is_not_there}),
    )
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(stored())
    assert "cannot upgrade ticket from schema 1" in str(caught.value)


def test_a_registry_with_a_gap_is_refused_at_import_time() -> None:
    with pytest.raises(ValueError, match="no migration step from schema 2"):
        Migrations("ticket", 3, {1: dict})


def test_newer_and_impossible_schemas_are_schema_errors() -> None:
    with pytest.raises(SchemaVersionError) as caught:
        Ticket.from_dict({**stored(), "schema": TICKET_MIGRATIONS.current + 1})
    assert caught.value.path == "schema"
    for bad in (0, -1, "1", None, True, 1.5):
        with pytest.raises(SchemaError) as caught:
            Ticket.from_dict({**stored(), "schema": bad})
        assert caught.value.path == "schema"


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda d: d["history"][3].pop("at"), "history[3].at"),
        (lambda d: d["history"][3].__setitem__("at", "2026-03-02T09:10:00"), "history[3].at"),
        (lambda d: d["history"][0].__setitem__("priority", "critical"), "history[0].priority"),
        (lambda d: d["history"][0].__setitem__("auto_close_after_us", "4d"), None),
        (lambda d: d["history"][5].__setitem__("event", "teleported"), "history[5].event"),
        (lambda d: d.__setitem__("version", 17), "version"),
        (lambda d: d.__setitem__("status", "open"), "status"),
        (lambda d: d.__setitem__("history", d["history"][1:]), None),
        (lambda d: d["history"].insert(3, d["history"][-1]), None),
    ],
    ids=[
        "missing-instant",
        "naive-instant",
        "unknown-enum",
        "wrong-type",
        "unknown-event",
        "version-disagrees",
        "status-disagrees",
        "history-without-opening",
        "impossible-history",
    ],
)
def test_bad_documents_name_the_bad_field(edit: Any, path: str | None) -> None:
    document = stored()
    edit(document)
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    if path is not None:
        assert caught.value.path == path
    else:
        assert caught.value.path.startswith("history")


def test_a_schema_1_history_entry_that_is_not_an_event_is_refused_at_its_path() -> None:
    document = stored()
    document["history"][3] = ["not", "an", "event"]
    document["history"][4] = {"event": 42}
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    assert caught.value.path.startswith("history[3]")
    document["history"][3] = stored()["history"][3]
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document)
    assert caught.value.path.startswith("history[4]")
