"""SLA clocks driven by tickets: the documented behaviour, scenario by scenario."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from supportflow import (
    BusinessCalendar,
    Channel,
    ClockState,
    InvalidArgument,
    InvalidTransition,
    Metric,
    Priority,
    SchemaError,
    SLAConditions,
    SLAPolicy,
    SLAPolicySet,
    SLATarget,
    Ticket,
    TicketStatus,
    Topic,
)
from supportflow.events import SLABreached, SLAThresholdReached

UTC = "UTC"
WEEKDAYS = BusinessCalendar.weekdays("09:00", "17:00", timezone=UTC)
H = timedelta(hours=1)

STANDARD = SLAPolicy(
    "standard",
    {
        "first_reply": {"normal": 4 * H, "high": 2 * H, "urgent": H},
        "next_reply": {"normal": 4 * H, "high": 2 * H},
        "periodic_update": {"normal": 8 * H},
        "requester_wait": {"normal": 16 * H, "high": 8 * H},
        "agent_work": {"normal": 8 * H, "high": 4 * H},
        "resolution": {"normal": 24 * H, "high": 12 * H},
    },
)
VIP = SLAPolicy(
    "vip",
    {"first_reply": {"normal": H, "high": H / 2}, "resolution": {"normal": 8 * H}},
    conditions=SLAConditions(tags=["vip"]),
)
POLICIES = SLAPolicySet([VIP, STANDARD])
OFFICE = SLAPolicySet(
    [
        SLAPolicy(
            "office hours",
            {"first_reply": {"normal": 4 * H}, "resolution": {"normal": 16 * H}},
            calendar=WEEKDAYS,
        )
    ]
)


def t(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """An instant in January 2026 (the 2nd is a Friday, the 5th a Monday)."""
    return pendulum.datetime(2026, 1, day, hour, minute, tz=UTC)


def open_ticket(
    at: pendulum.DateTime,
    policies: SLAPolicySet = POLICIES,
    *,
    priority: Priority = Priority.NORMAL,
    tags: tuple[str, ...] = (),
) -> Ticket:
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="The printer is offline",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        priority=priority,
        body="It stopped printing this morning.",
        tags=tags,
        sla=policies,
        at=at,
    )
    ticket.assign("ana", at=at)
    return ticket


def sla_events(ticket: Ticket) -> list[tuple[str, str, int, float | None, pendulum.DateTime]]:
    out = []
    for event in ticket.history:
        if isinstance(event, SLAThresholdReached):
            out.append(("warning", event.metric.value, event.cycle, event.threshold, event.at))
        elif isinstance(event, SLABreached):
            out.append(("breach", event.metric.value, event.cycle, None, event.at))
    return out


def elapsed(ticket: Ticket, metric: str, at: pendulum.DateTime) -> timedelta:
    assert ticket.sla is not None
    clock = ticket.sla.clock(metric)
    assert clock is not None
    return timedelta(microseconds=clock.elapsed_us(int(at.timestamp()) * 1_000_000))


def test_a_new_ticket_starts_the_creation_clocks() -> None:
    ticket = open_ticket(t(5, 9))
    assert ticket.sla is not None
    assert ticket.sla.policy == STANDARD
    running = {c.metric for c in ticket.sla.clocks if c.state is ClockState.ACTIVE}
    assert running == {
        Metric.FIRST_REPLY,
        Metric.REQUESTER_WAIT,
        Metric.AGENT_WORK,
        Metric.RESOLUTION,
    }
    assert ticket.next_deadline() == t(5, 11)  # 50 % of the 4 h first reply


def test_pending_pauses_requester_wait_and_agent_work_but_not_first_reply() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.set_pending(at=t(5, 10))
    assert ticket.sla is not None
    states = {m: ticket.sla.clock(m).state for m in ("first_reply", "requester_wait")}  # type: ignore[union-attr]
    assert states == {"first_reply": ClockState.ACTIVE, "requester_wait": ClockState.PAUSED}
    assert ticket.sla.clock("agent_work").state is ClockState.PAUSED  # type: ignore[union-attr]
    assert elapsed(ticket, "requester_wait", t(5, 15)) == H
    assert elapsed(ticket, "agent_work", t(5, 15)) == H
    assert elapsed(ticket, "first_reply", t(5, 15)) == 6 * H
    assert ticket.sla.clock("requester_wait").deadline_us() is None  # type: ignore[union-attr]
    ticket.customer_message("Still broken", at=t(5, 15))
    assert elapsed(ticket, "requester_wait", t(5, 16)) == 2 * H
    # First reply kept running through pending: its 4 h target passed at 13:00.
    ticket.reply("ana", "Looking into it", at=t(5, 16))
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert (first.state, first.breached) == (ClockState.FULFILLED, True)
    assert ("breach", "first_reply", 1, None, t(5, 13)) in sla_events(ticket)


def test_on_hold_pauses_agent_work_only() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Asking the vendor", at=t(5, 9, 30))
    ticket.put_on_hold(at=t(5, 10))
    ticket.resume(at=t(5, 14))
    assert elapsed(ticket, "agent_work", t(5, 15)) == 2 * H
    assert elapsed(ticket, "requester_wait", t(5, 15)) == 6 * H
    assert elapsed(ticket, "resolution", t(5, 15)) == 6 * H


def test_a_ticket_opened_friday_evening_is_due_monday_on_office_hours() -> None:
    ticket = open_ticket(t(2, 18), OFFICE)
    assert ticket.sla is not None
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert first.deadline_us() == t(5, 13).int_timestamp * 1_000_000
    assert ticket.next_deadline() == t(5, 11)
    rows = {row.metric: row for row in ticket.sla.report(at=t(5, 12))}
    assert rows[Metric.FIRST_REPLY].due == t(5, 13)
    assert rows[Metric.FIRST_REPLY].remaining == pendulum.duration(hours=1)
    assert rows[Metric.FIRST_REPLY].percent == 75.0
    assert rows[Metric.RESOLUTION].elapsed == pendulum.duration(hours=3)
    # Evaluated on Monday 12:30: both warnings, at 11:00 and 12:00 exactly, no breach.
    emitted = ticket.evaluate(at=t(5, 12, 30))
    assert [(e.threshold, e.at) for e in emitted] == [(0.5, t(5, 11)), (0.75, t(5, 12))]  # type: ignore[attr-defined]


def test_a_clock_started_later_but_due_first_gives_the_next_deadline() -> None:
    # The next deadline computes clocks in the order of a wall-time lower bound, and
    # skips a clock another one dominates (same calendar, running since no later, no
    # more to go). Resolution, started before the office opens, has the lower bound;
    # next reply, started later with less to go, comes due first: it is not skipped.
    policies = SLAPolicySet(
        [
            SLAPolicy(
                "office",
                {"next_reply": {"normal": H}, "resolution": {"normal": 3 * H}},
                calendar=WEEKDAYS,
                warnings=(),
            )
        ]
    )
    ticket = open_ticket(t(2, 8), policies)  # resolution due at 12:00
    ticket.reply("ana", "Which printer is it?", at=t(2, 10))
    ticket.customer_message("The one on the second floor.", at=t(2, 10, 30))
    assert ticket.next_deadline() == t(2, 11, 30)  # next reply, one office hour later
    emitted = ticket.evaluate(at=t(2, 12))
    assert [(type(e), e.metric.value, e.at) for e in emitted] == [  # type: ignore[attr-defined]
        (SLABreached, "next_reply", t(2, 11, 30)),
        (SLABreached, "resolution", t(2, 12)),
    ]


def test_raising_the_priority_half_way_retargets_from_the_original_start() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.change_priority(Priority.HIGH, at=t(5, 10))  # 1 h of the 4 h first reply used
    assert ticket.sla is not None
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert first.start_us == t(5, 9).int_timestamp * 1_000_000
    assert first.target_us == 2 * 3600 * 1_000_000
    assert first.deadline_us() == t(5, 11).int_timestamp * 1_000_000
    # 50 % of the new 2 h target was reached exactly at the change.
    assert ticket.evaluate(at=t(5, 10))[0].at == t(5, 10)
    assert ticket.sla.clock("resolution").target_us == 12 * 3600 * 1_000_000  # type: ignore[union-attr]
    # Pauses survive the re-target: agent work keeps its paused time.
    ticket.set_pending(at=t(5, 10, 30))
    ticket.change_priority(Priority.NORMAL, at=t(5, 12))
    assert elapsed(ticket, "agent_work", t(5, 13)) == 90 * timedelta(minutes=1)


def test_a_reopen_after_solve_starts_new_cycles_and_keeps_first_reply_fulfilled() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Fixed: restart it", at=t(5, 10))
    ticket.solve("restarted", at=t(5, 11))
    assert ticket.sla is not None
    assert {c.state for c in ticket.sla.clocks} <= {ClockState.FULFILLED, ClockState.CANCELLED}
    ticket.customer_message("It broke again", at=t(6, 9))
    assert ticket.status is TicketStatus.OPEN
    resolutions = ticket.sla.cycles("resolution")
    assert [(c.cycle, c.state) for c in resolutions] == [
        (1, ClockState.FULFILLED),
        (2, ClockState.ACTIVE),
    ]
    assert resolutions[1].start_us == t(6, 9).int_timestamp * 1_000_000
    assert [c.state for c in ticket.sla.cycles("first_reply")] == [ClockState.FULFILLED]
    next_reply = ticket.sla.clock("next_reply")
    assert next_reply is not None
    assert (next_reply.cycle, next_reply.state) == (1, ClockState.ACTIVE)
    ticket.reply("ana", "Replacing the unit", at=t(6, 10))
    assert next_reply.state is ClockState.FULFILLED


def test_a_breach_evaluated_three_days_late_is_stamped_at_the_deadline() -> None:
    ticket = open_ticket(t(5, 9))
    events = ticket.evaluate(at=t(8, 9))
    breaches = [(e.metric, e.at) for e in events if isinstance(e, SLABreached)]
    assert (Metric.FIRST_REPLY, t(5, 13)) in breaches
    assert (Metric.AGENT_WORK, t(5, 17)) in breaches
    assert (Metric.RESOLUTION, t(6, 9)) in breaches
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert ticket.history[-len(events) :] == events


def test_warnings_and_breaches_are_never_repeated() -> None:
    ticket = open_ticket(t(5, 9))
    first = ticket.evaluate(at=t(5, 12))
    assert [(e.metric, e.threshold) for e in first] == [  # type: ignore[attr-defined]
        (Metric.FIRST_REPLY, 0.5),
        (Metric.FIRST_REPLY, 0.75),
    ]
    assert ticket.evaluate(at=t(5, 12)) == ()
    assert ticket.evaluate(at=t(5, 12, 30)) == ()
    ticket.add_note("ana", "checking logs", at=t(5, 12, 45))
    assert len(sla_events(ticket)) == 2


def test_a_command_emits_what_was_due_before_applying_itself() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Sorry for the wait", at=t(5, 14))
    kinds = [(k, m, f, at) for k, m, _, f, at in sla_events(ticket)]
    assert kinds == [
        ("warning", "first_reply", 0.5, t(5, 11)),
        ("warning", "first_reply", 0.75, t(5, 12)),
        ("breach", "first_reply", None, t(5, 13)),
        ("warning", "agent_work", 0.5, t(5, 13)),  # 4 h of its 8 h target
    ]
    reply_index = next(i for i, e in enumerate(ticket.history) if e.at == t(5, 14))
    before = ticket.history[reply_index - 4 : reply_index]
    assert all(isinstance(e, SLAThresholdReached | SLABreached) for e in before)


def test_adding_a_tag_switches_the_policy_and_retargets_the_clocks() -> None:
    ticket = open_ticket(t(5, 9))
    assert ticket.sla is not None
    ticket.tag("vip", at=t(5, 9, 30))
    assert ticket.sla.policy == VIP
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert (first.policy, first.target_us, first.start_us) == (
        "vip",
        3600 * 1_000_000,
        t(5, 9).int_timestamp * 1_000_000,
    )
    # VIP has no agent_work or requester_wait target: those clocks are cancelled.
    assert ticket.sla.clock("agent_work").state is ClockState.CANCELLED  # type: ignore[union-attr]
    assert [name for _, name in ticket.sla.matches] == ["standard", "vip"]
    ticket.untag("vip", at=t(5, 9, 45))
    assert ticket.sla.policy == STANDARD
    # Back on standard: agent_work gets a new cycle from the moment it applies again.
    agent_work = ticket.sla.cycles("agent_work")
    assert [(c.cycle, c.start_us) for c in agent_work][-1] == (
        2,
        t(5, 9, 45).int_timestamp * 1_000_000,
    )


def test_a_priority_without_a_target_gets_no_clock() -> None:
    ticket = open_ticket(t(5, 9), priority=Priority.LOW)
    assert ticket.sla is not None
    assert ticket.sla.clocks == ()
    assert ticket.next_deadline() is None


def test_solving_without_a_reply_cancels_first_reply() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.solve("duplicate", at=t(5, 10))
    assert ticket.sla is not None
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert (first.state, first.breached) == (ClockState.CANCELLED, False)
    assert ticket.sla.clock("resolution").state is ClockState.FULFILLED  # type: ignore[union-attr]


def test_closing_cancels_a_running_clock_and_next_deadline_becomes_auto_close() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Done", at=t(5, 10))
    ticket.solve("fixed", at=t(5, 10))
    assert ticket.next_deadline() == ticket.auto_close_at
    ticket.confirm(at=t(5, 11))
    assert ticket.next_deadline() is None


def test_evaluate_refuses_instants_before_the_last_event_and_changes_nothing() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.add_note("ana", "note", at=t(5, 10))
    before = ticket.version
    with pytest.raises(InvalidArgument):
        ticket.evaluate(at=t(5, 9, 30))
    assert ticket.version == before
    assert ticket.sla is not None
    with pytest.raises(InvalidArgument):
        ticket.sla.report(at=t(5, 9, 30))


def test_replay_and_documents_rebuild_the_clocks() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.set_pending(at=t(5, 10))
    ticket.customer_message("here you go", at=t(5, 12))
    ticket.change_priority(Priority.HIGH, at=t(5, 13))
    ticket.evaluate(at=t(5, 18))
    assert Ticket.replay(ticket.history, sla=POLICIES) == ticket
    data = ticket.to_dict()
    assert data["sla"]["policy"] == "standard"
    assert Ticket.from_dict(data, sla=POLICIES) == ticket
    with pytest.raises(SchemaError) as raised:
        Ticket.from_dict(data, sla=OFFICE)
    # Other policies: an SLA event they would not record, or the snapshot, says so.
    assert raised.value.path.startswith(("sla", "history["))
    assert "SLA polic" in str(raised.value)


def test_a_failing_command_takes_back_the_events_it_caught_up() -> None:
    ticket = Ticket.open(
        "T-9",
        customer_id="C-1",
        subject="Nobody assigned",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        sla=POLICIES,
        at=t(5, 9),
    )
    before = Ticket.replay(ticket.history, sla=POLICIES)
    # Warnings fell due at 11:00 and 12:00, but solving needs an assignee: refused.
    with pytest.raises(InvalidTransition, match="assignee"):
        ticket.solve("done", at=t(5, 14))
    assert ticket == before
    assert ticket.version == 1
    assert len(ticket.evaluate(at=t(5, 14))) == 4  # 2 warnings, the breach, agent work 50 %


def test_evaluating_a_closed_ticket_records_nothing() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Done", at=t(5, 9, 30))
    ticket.solve("fixed", at=t(5, 9, 30))
    ticket.confirm(at=t(5, 10))
    assert ticket.evaluate(at=t(9, 10)) == ()
    assert ticket.sla is not None
    assert all(not c.running for c in ticket.sla.clocks)


def test_each_customer_message_awaiting_a_reply_opens_a_next_reply_cycle() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Which model?", at=t(5, 9, 10))
    ticket.customer_message("The X200", at=t(5, 9, 20))
    ticket.customer_message("Bought in 2024", at=t(5, 9, 25))  # same wait: same cycle
    ticket.reply("ana", "Thanks", at=t(5, 9, 40))
    ticket.customer_message("Any news?", at=t(5, 11))
    assert ticket.sla is not None
    cycles = ticket.sla.cycles("next_reply")
    assert [(c.cycle, c.state, c.start_us) for c in cycles] == [
        (1, ClockState.FULFILLED, t(5, 9, 20).int_timestamp * 1_000_000),
        (2, ClockState.ACTIVE, t(5, 11).int_timestamp * 1_000_000),
    ]
    assert cycles[0].elapsed_us(t(5, 12).int_timestamp * 1_000_000) == 20 * 60 * 1_000_000


def test_periodic_updates_run_from_each_public_reply_until_solved() -> None:
    ticket = open_ticket(t(5, 9))
    ticket.reply("ana", "Looking", at=t(5, 10))
    ticket.reply("ana", "Still looking", at=t(5, 12))
    ticket.solve("found it", at=t(5, 13))
    assert ticket.sla is not None
    cycles = ticket.sla.cycles(Metric.PERIODIC_UPDATE)
    assert [(c.cycle, c.state) for c in cycles] == [
        (1, ClockState.FULFILLED),
        (2, ClockState.CANCELLED),
    ]
    assert [c.start_us for c in cycles] == [
        t(5, 10).int_timestamp * 1_000_000,
        t(5, 12).int_timestamp * 1_000_000,
    ]


def test_a_policy_can_pause_resolution_on_hold_and_give_one_target_its_own_calendar() -> None:
    policy = SLAPolicy(
        "hold-aware",
        {
            "first_reply": {"normal": SLATarget(2 * H, calendar=BusinessCalendar.always_open())},
            "resolution": {"normal": 8 * H},
        },
        calendar=WEEKDAYS,
        pauses={"resolution": ["on_hold"]},
    )
    ticket = open_ticket(t(2, 16), SLAPolicySet([policy]))  # Friday 16:00
    assert ticket.sla is not None
    first = ticket.sla.clock("first_reply")
    assert first is not None
    assert first.deadline_us() == t(2, 18).int_timestamp * 1_000_000  # round the clock
    ticket.reply("ana", "Waiting on the vendor", at=t(5, 9))
    ticket.put_on_hold(at=t(5, 10))
    ticket.resume(at=t(5, 15))
    resolution = ticket.sla.clock("resolution")
    assert resolution is not None
    # Friday 16-17, Monday 9-10 and 15-16: three business hours, the hold excluded.
    assert resolution.elapsed_us(t(5, 16).int_timestamp * 1_000_000) == 3 * 3600 * 1_000_000


def test_the_customer_segment_selects_the_policy() -> None:
    gold = SLAPolicy(
        "gold", {"first_reply": {"normal": H}}, conditions=SLAConditions(segments=["gold"])
    )
    policies = SLAPolicySet([gold, STANDARD])
    tickets = [
        Ticket.open(
            f"T-{segment}",
            customer_id="C-1",
            subject="Question",
            topic=Topic.BILLING,
            channel=Channel.PHONE,
            segment=segment,
            sla=policies,
            at=t(5, 9),
        )
        for segment in ("gold", "silver", None)
    ]
    assert [policies.match(ticket) for ticket in tickets] == [gold, STANDARD, STANDARD]
    assert [ticket.sla.policy for ticket in tickets if ticket.sla] == [gold, STANDARD, STANDARD]
