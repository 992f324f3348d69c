"""SLA policy versions: a ticket records the version it opened under and every change,
and loads only under the versions its history names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import examples
from supportflow import (
    BusinessCalendar,
    ClockState,
    InvalidArgument,
    InvalidType,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
    TicketClosed,
    UnknownName,
)
from supportflow.sla import SLAVersionMode, sla_versions_needed
from supportflow.testing import sla_policy_sets, ticket_openings

H = pendulum.duration(hours=1)
T0 = pendulum.datetime(2026, 12, 1, 9, tz="UTC")


def _set(version: str | None, first_reply: pendulum.Duration) -> SLAPolicySet:
    policy = SLAPolicy(
        "standard",
        {"first_reply": {"normal": first_reply}, "resolution": {"normal": 8 * H}},
        calendar=BusinessCalendar.always_open(),
    )
    return SLAPolicySet([policy], version=version)


V1 = _set("v1", 4 * H)
V2 = _set("v2", 2 * H)
VERSIONS = SLAPolicyVersions([V1, V2], current="v1")


def _open(sla: object = VERSIONS) -> Ticket:
    return Ticket.open(
        "T-1", customer_id="C-1", subject="s", topic="billing", channel="email", sla=sla, at=T0
    )


def _us(at: pendulum.DateTime) -> int:
    return int(at.timestamp()) * 1_000_000


def _first_reply(ticket: Ticket, hours: float = 1.5) -> tuple[int | None, int]:
    """(deadline, elapsed) of the first-reply clock, in microseconds."""
    assert ticket.sla is not None
    status = ticket.sla.report(at=T0.add(minutes=int(hours * 60)))[0]
    return status.due_us, status.elapsed_us


def _deadline(ticket: Ticket) -> pendulum.DateTime:
    due = _first_reply(ticket)[0]
    assert due is not None
    return pendulum.from_timestamp(due / 1_000_000, tz="UTC")


def test_a_ticket_records_the_version_it_opened_under() -> None:
    ticket = _open()
    assert [event.name for event in ticket.history] == ["ticket_opened", "sla_version_applied"]
    assert ticket.history[1].mode is SLAVersionMode.OPENED
    assert ticket.sla is not None
    assert ticket.sla.policies.version == "v1"
    assert ticket.to_dict()["sla"]["version"] == "v1"


def test_an_unversioned_set_records_nothing_and_documents_are_unchanged() -> None:
    ticket = _open(_set(None, 4 * H))
    assert [event.name for event in ticket.history] == ["ticket_opened"]
    assert "version" not in ticket.to_dict()["sla"]


def test_applying_a_version_retargets_running_clocks_from_their_start() -> None:
    ticket = _open()
    assert _deadline(ticket) == T0.add(hours=4)
    ticket.apply_sla_version("v2", at=T0.add(hours=1))
    assert _deadline(ticket) == T0.add(hours=2)
    # Loaded under the versions kept later (v2 now current for new tickets).
    again = Ticket.from_dict(ticket.to_dict(), sla=SLAPolicyVersions([V1, V2]))
    assert again.to_dict() == ticket.to_dict()


def test_a_target_already_passed_is_breached_at_the_change() -> None:
    ticket = _open()
    ticket.apply_sla_version("v2", at=T0.add(hours=3))
    breach = [event for event in ticket.history if event.name == "sla_breached"]
    assert [event.at for event in breach] == [T0.add(hours=3)]


def test_a_repair_recomputes_as_if_the_version_had_always_applied() -> None:
    ticket = _open()
    ticket.apply_sla_version("v2", at=T0.add(hours=1))
    ticket.repair_sla("v1", at=T0.add(hours=1, minutes=30))
    assert _deadline(ticket) == T0.add(hours=4)
    assert _first_reply(ticket, hours=2)[1] == 2 * 3600 * 1_000_000
    assert Ticket.from_dict(ticket.to_dict(), sla=VERSIONS) == ticket


def test_a_repair_does_not_announce_again_what_was_announced() -> None:
    ticket = _open()
    ticket.evaluate(at=T0.add(hours=5))  # v1 breached first_reply at 13:00
    assert [e.name for e in ticket.history].count("sla_breached") == 1
    ticket.repair_sla("v2", at=T0.add(hours=5))  # v2 reached all of that too, earlier
    assert ticket.history[-1].name == "sla_version_applied"
    # What v2 announces that v1 had not (its resolution clock is the same): nothing.
    assert ticket.evaluate(at=T0.add(hours=5)) == ()


def test_the_version_that_applies_and_unknown_versions_are_refused_without_change() -> None:
    ticket = _open()
    before = ticket.to_dict()
    with pytest.raises(InvalidArgument, match="already applies"):
        ticket.apply_sla_version("v1", at=T0.add(hours=1))
    with pytest.raises(UnknownName, match="v9"):
        ticket.repair_sla("v9", at=T0.add(hours=1))
    assert ticket.to_dict() == before


def test_a_closed_ticket_changes_no_version() -> None:
    ticket = _open()
    ticket.assign("ana", at=T0)
    ticket.solve("done", at=T0)
    ticket.confirm(at=T0)
    with pytest.raises(TicketClosed):
        ticket.apply_sla_version("v2", at=T0.add(hours=1))


def test_loading_without_a_needed_version_names_it() -> None:
    ticket = _open()
    ticket.apply_sla_version("v2", at=T0.add(hours=1))
    document = ticket.to_dict()
    assert sla_versions_needed(document) == {"v1", "v2"}
    with pytest.raises(SchemaError, match="'v2'") as error:
        Ticket.from_dict(document, sla=SLAPolicyVersions([V1]))
    assert error.value.path == "history[2].version"
    with pytest.raises(SchemaError, match="'v1'"):
        Ticket.from_dict(document, sla=V2)


def test_tickets_opened_before_versions_load_under_the_unversioned_set() -> None:
    old = _open(_set(None, 4 * H))
    document = old.to_dict()
    assert sla_versions_needed(document) == {None}
    kept = SLAPolicyVersions([_set(None, 4 * H), V2])
    moved = Ticket.from_dict(document, sla=kept)
    moved.apply_sla_version("v2", at=T0.add(hours=1))
    assert _deadline(moved) == T0.add(hours=2)
    with pytest.raises(SchemaError, match="unversioned"):
        Ticket.from_dict(document, sla=VERSIONS)


def test_versions_are_unique_and_named() -> None:
    with pytest.raises(InvalidArgument, match="two SLA policy sets"):
        SLAPolicyVersions([V1, _set("v1", H)])
    with pytest.raises(InvalidArgument):
        SLAPolicySet([], version=" v1")
    with pytest.raises(UnknownName):
        SLAPolicyVersions([V1], current="v2")
    assert SLAPolicyVersions([V1, V2]).current is V2
    assert SLAPolicySet.from_dict(V2.to_dict()) == V2
    with pytest.raises(SchemaError) as error:
        SLAPolicySet.from_dict({**V2.to_dict(), "version": ""})
    assert error.value.path == "version"


def test_the_opening_record_is_stamped_at_the_opening_and_names_its_version() -> None:
    document = _open().to_dict()
    later = {**document["history"][1], "at": "2026-12-01T10:00:00.000000Z"}
    with pytest.raises(SchemaError) as error:
        Ticket.from_dict({**document, "history": [document["history"][0], later]}, sla=VERSIONS)
    assert error.value.path == "history[1].at"
    other = {**document["history"][1], "version": "v2"}
    with pytest.raises(SchemaError) as error:
        Ticket.from_dict({**document, "history": [document["history"][0], other]}, sla=VERSIONS)
    assert error.value.path == "sla.version"  # the clocks were written under v1


# What a ticket goes through, for the repair property: every command that moves a clock.
_COMMANDS: dict[str, Callable[[Ticket, pendulum.DateTime], object]] = {
    "assign": lambda t, at: t.assign("ana", at=at),
    "reassign": lambda t, at: t.assign("bo", at=at),
    "reply": lambda t, at: t.reply("ana", "On it.", at=at),
    "customer_message": lambda t, at: t.customer_message("Any news?", at=at),
    "set_pending": lambda t, at: t.set_pending(at=at),
    "put_on_hold": lambda t, at: t.put_on_hold(at=at),
    "resume": lambda t, at: t.resume(at=at),
    "solve": lambda t, at: t.solve("Fixed.", at=at),
    "raise": lambda t, at: t.change_priority("urgent", at=at),
    "lower": lambda t, at: t.change_priority("low", at=at),
}


def _clocks(ticket: Ticket, at: pendulum.DateTime) -> list[tuple[Any, ...]]:
    assert ticket.sla is not None
    at_us = _us(at)
    return [
        (c.metric, c.cycle, c.state, c.policy, c.start_us, c.target_us, c.elapsed_us(at_us))
        for c in ticket.sla.clocks
    ]


@settings(max_examples=examples(60))
@given(
    sla_policy_sets(max_policies=2),
    sla_policy_sets(max_policies=2),
    ticket_openings(),
    st.lists(st.tuples(st.sampled_from(sorted(_COMMANDS)), st.integers(0, 36 * 60)), max_size=12),
)
def test_a_repair_gives_the_clocks_of_a_ticket_that_always_had_the_version(
    first: SLAPolicySet,
    second: SLAPolicySet,
    opening: dict[str, Any],
    steps: list[tuple[str, int]],
) -> None:
    editions = [
        SLAPolicySet(first.policies, version="a"),
        SLAPolicySet(second.policies, version="b"),
    ]
    repaired = Ticket.open("T-1", sla=SLAPolicyVersions(editions, current="a"), at=T0, **opening)
    always = Ticket.open("T-1", sla=SLAPolicyVersions(editions, current="b"), at=T0, **opening)
    at = T0
    for name, minutes in steps:
        at = at.add(minutes=minutes)
        refused = []
        for ticket in (repaired, always):
            try:
                _COMMANDS[name](ticket, at)
                refused.append(False)
            except SupportflowError:
                refused.append(True)
        assert refused[0] == refused[1], name  # the lifecycle does not read the SLA
    repaired.repair_sla("b", at=at)
    always.evaluate(at=at)
    assert _clocks(repaired, at) == _clocks(always, at)
    # Nothing is announced twice, and what the repaired clocks have reached is announced:
    # the same mark, or a later one of the same clock (a breach covers its warnings).
    assert repaired.evaluate(at=at) == ()
    announced = [_mark(event) for event in repaired.history if _mark(event) is not None]
    assert len(announced) == len(set(announced))
    assert repaired.sla is not None
    # (A clock the repair finds stopped announces nothing late; its report says it all.)
    running = [c for c in repaired.sla.clocks if c.state in (ClockState.ACTIVE, ClockState.PAUSED)]
    for clock in running:
        for level in (*clock.warnings, 1.0):
            reached = clock.threshold_us(level)
            if reached is not None and reached <= _us(at):
                key = (clock.metric, clock.cycle)
                assert any(k == key and done >= level for k, done in announced), (key, level)


def _mark(event: Any) -> tuple[tuple[Any, int], float] | None:
    """((metric, cycle), level) of a warning or breach: its fraction, 1.0 for a breach."""
    if event.name == "sla_breached":
        return (event.metric, event.cycle), 1.0
    if event.name == "sla_threshold_reached":
        return (event.metric, event.cycle), event.threshold
    return None


def test_bad_versions_and_registries_are_refused_with_typed_errors() -> None:
    with pytest.raises(InvalidType):
        SLAPolicySet(V1.policies, version=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        SLAPolicySet(V1.policies, version="")
    with pytest.raises(InvalidArgument, match="at least one"):
        SLAPolicyVersions([])
    with pytest.raises(InvalidType, match="SLAPolicySet"):
        SLAPolicyVersions([V1, "v2"])  # type: ignore[list-item]
    with pytest.raises(InvalidArgument, match="unversioned"):
        SLAPolicyVersions([_set(None, H), _set(None, 2 * H)])
    with pytest.raises(UnknownName, match="'v9'"):
        VERSIONS["v9"]


def test_versions_needed_reads_only_ticket_documents() -> None:
    for bad in ({"type": "calendar"}, [], "ticket"):
        with pytest.raises(SchemaError):
            sla_versions_needed(bad)
    plain = Ticket.open(
        "T-2", customer_id="C-1", subject="s", topic="billing", channel="email", at=T0
    )
    assert sla_versions_needed(plain.to_dict()) == frozenset()


def test_version_commands_refuse_what_they_cannot_do_and_change_nothing() -> None:
    plain = Ticket.open(
        "T-2", customer_id="C-1", subject="s", topic="billing", channel="email", at=T0
    )
    alone = _open(V1)
    for ticket, version, error in (
        (plain, "v1", InvalidArgument),  # no SLA at all
        (alone, "v2", UnknownName),  # a plain set holds only its own version
        (alone, " ", InvalidArgument),
        (alone, 2, InvalidArgument),
    ):
        before = ticket.to_dict()
        for command in (ticket.apply_sla_version, ticket.repair_sla):
            with pytest.raises(error):
                command(version, at=T0.add(hours=1))  # type: ignore[arg-type]
            assert ticket.to_dict() == before
