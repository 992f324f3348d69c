"""The simulator drives real tickets through a workload: deterministic, complete, what-if."""

from __future__ import annotations

import gc
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from supportflow import (
    BusinessCalendar,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    InvalidArgument,
    NotifyManager,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    WhenSLABreached,
)
from supportflow._kernel._time import US_PER_HOUR, to_datetime
from supportflow.metrics import kpi_report
from supportflow.simulation import (
    Scenario,
    Staffing,
    TicketOutcome,
    WorkloadProfile,
    run,
    what_if,
)

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def _sla(first_reply: timedelta = timedelta(hours=4)) -> Any:
    hours = BusinessCalendar.weekdays("08:00", "18:00", timezone="Europe/Berlin")
    targets = {
        "first_reply": {
            "urgent": first_reply / 4,
            "high": first_reply / 2,
            "normal": first_reply,
            "low": first_reply * 2,
        },
        "resolution": {
            "urgent": timedelta(hours=8),
            "high": timedelta(hours=16),
            "normal": timedelta(hours=32),
            "low": timedelta(hours=60),
        },
    }
    return SLAPolicySet([SLAPolicy("standard", targets, calendar=hours)])


def _escalation() -> Any:
    return EscalationPolicy(
        [
            EscalationRule(
                "late first reply", WhenSLABreached("first_reply"), NotifyManager("lead")
            ),
            EscalationRule("late resolution", WhenSLABreached("resolution"), EscalateTo()),
        ]
    )


def workload(days: int = 5, per_day: int = 60, seed: int = 11, **extra: object) -> Any:
    values: dict[str, object] = {
        "start": START,
        "days": days,
        "tickets_per_day": per_day,
        "timezone": "Europe/Berlin",
        "incident_tickets": 4,
    }
    values.update(extra)
    return WorkloadProfile(**values).generate(seed)  # type: ignore[arg-type]


def scenario(name: str = "base", agents: int = 3, **extra: Any) -> Scenario:
    staffing = Staffing.rotation({1: agents, 2: agents, 3: 1}, timezone="Europe/Berlin")
    values: dict[str, Any] = {"sla": _sla(), "escalation": _escalation()}
    values.update(extra)
    return Scenario(name=name, staffing=staffing, **values)


@pytest.fixture(scope="module")
def small() -> Any:
    return workload()


@pytest.fixture(scope="module")
def result(small: Any) -> Any:
    return run(small, scenario(), keep_tickets=True)


def test_the_same_workload_and_scenario_give_the_same_result(small: Any, result: Any) -> None:
    again = run(small, scenario(), keep_tickets=True)
    assert again.outcomes == result.outcomes
    assert again.run.backlog == result.run.backlog
    assert [t.history for t in again.tickets] == [t.history for t in result.tickets]


def test_every_arrival_becomes_one_ticket_with_its_facts(small: Any, result: Any) -> None:
    assert [o.ticket_id for o in result.outcomes] == [a.ticket_id for a in small.arrivals]
    for arrival, ticket in zip(small.arrivals, result.tickets, strict=True):
        assert ticket.id == arrival.ticket_id
        assert ticket.customer_id == arrival.customer_id
        assert str(ticket.priority) in (arrival.priority, "high", "urgent")
        assert ticket.created_at_us == arrival.at_us


def test_tickets_run_their_whole_lifecycle(result: Any) -> None:
    statuses = Counter(str(ticket.status) for ticket in result.tickets)
    assert statuses["closed"] > 0.8 * len(result.tickets)
    for ticket, outcome in zip(result.tickets, result.outcomes, strict=True):
        if outcome.closed:
            assert str(ticket.status) == "closed"
            assert outcome.solved_us is not None
            assert outcome.first_reply_us is not None
            assert 0 <= outcome.first_reply_us <= outcome.resolution_us
    # Customers answered questions, waited on third parties and reopened tickets.
    kinds = Counter(event.name for ticket in result.tickets for event in ticket.history)
    for name in ("ticket_opened", "ticket_assigned", "ticket_status_changed"):
        assert kinds[name] > 0, name
    assert any(ticket.reopens for ticket in result.tickets)


def test_histories_replay_to_equal_tickets(result: Any) -> None:
    sla, escalation = _sla(), _escalation()
    for ticket in result.tickets[:40]:
        assert Ticket.replay(ticket.history, sla=sla, escalation=escalation) == ticket


def test_sla_breaches_are_recorded_at_their_deadlines() -> None:
    tight = scenario(sla=_sla(first_reply=timedelta(minutes=10)), agents=1)
    outcome = run(workload(days=3), tight, keep_tickets=True)
    breaches = [
        event
        for ticket in outcome.tickets
        for event in ticket.history
        if event.name == "sla_breached"
    ]
    assert breaches
    assert outcome.kpis.first_reply_compliance is not None
    assert outcome.kpis.first_reply_compliance < 1
    assert sum(len(o.breached) for o in outcome.outcomes) == len(breaches)


def test_more_agents_answer_sooner_on_the_same_workload(small: Any) -> None:
    comparison = what_if(small, scenario("lean", agents=1), scenario("staffed", agents=5))
    lean, staffed = comparison.a.kpis, comparison.b.kpis
    assert lean.tickets == staffed.tickets
    assert staffed.first_reply_median_h < lean.first_reply_median_h
    assert staffed.backlog_peak <= lean.backlog_peak
    text = comparison.render_text()
    assert "lean" in text
    assert "staffed" in text
    assert "First reply, median" in text


def test_incidents_solve_their_linked_tickets_together(result: Any) -> None:
    assert result.run.incidents
    for incident in result.run.incidents:
        assert str(incident.status) == "resolved"
        assert incident.linked_tickets
        for ticket_id in incident.solved_tickets:
            ticket = next(t for t in result.tickets if t.id == ticket_id)
            assert incident.id in (ticket.resolution or "")


def test_maintenance_notices_go_out_and_windows_complete(result: Any) -> None:
    assert result.run.maintenances
    assert result.run.notices_sent > 0
    assert {str(m.status) for m in result.run.maintenances} <= {"completed", "in_progress"}


def test_survey_answers_are_recorded_in_feedback_programs(small: Any, result: Any) -> None:
    answered = sum(len(program.responses) for program in result.run.feedback)
    csat = [o.csat for o in result.outcomes if o.csat is not None]
    assert csat
    assert all(1 <= score <= 5 for score in csat)
    assert answered == len(csat) + len(result.run.nps_scores)
    assert result.kpis.csat_answers == len(csat)


def test_on_ticket_done_sees_every_ticket_once(small: Any) -> None:
    seen: list[str] = []

    def done(ticket: Any, outcome: TicketOutcome) -> None:
        assert ticket.id == outcome.ticket_id
        seen.append(ticket.id)

    outcome = run(small, scenario(), on_ticket_done=done)
    assert sorted(seen) == sorted(o.ticket_id for o in outcome.outcomes)
    assert outcome.tickets == ()


def test_progress_reaches_the_total(small: Any) -> None:
    calls: list[tuple[int, int]] = []
    run(small, scenario(), progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(small), len(small))


def test_without_sla_there_is_no_compliance_figure(small: Any) -> None:
    outcome = run(small, scenario(sla=None, escalation=None))
    assert outcome.kpis.sla_compliance is None
    assert outcome.kpis.breaches == 0
    assert outcome.kpis.solved > 0


def test_kpis_are_consistent(result: Any) -> None:
    kpis = result.kpis
    assert kpis.tickets == len(result.outcomes)
    assert kpis.closed <= kpis.solved <= kpis.tickets
    assert kpis.first_reply_median_h <= kpis.first_reply_p90_h
    assert 0 <= kpis.sla_compliance <= 1
    assert kpis.backlog_peak >= kpis.backlog_end
    assert "Scenario: base" in result.render_text()


def test_the_kpis_state_their_window(result: Any) -> None:
    text = result.render_text()
    assert "tickets created 2026-03-02 00:00 UTC to" in text
    assert "followed until" in text
    assert "000000Z" not in text


def test_the_run_kpis_and_kpi_report_agree_over_the_same_window(result: Any) -> None:
    # One percentile implementation: over the whole run (every ticket created in the
    # workload, every reply and solve before the run stopped), both give the same times.
    run_ = result.run
    report = kpi_report(
        result.tickets,
        start=to_datetime(run_.start_us),
        end=to_datetime(run_.stopped_us + 1),
    )
    kpis = result.kpis
    assert report.overall.tickets_created == kpis.tickets
    assert report.overall.first_reply.median_us / US_PER_HOUR == kpis.first_reply_median_h
    assert report.overall.first_reply.p90_us / US_PER_HOUR == kpis.first_reply_p90_h


def test_the_html_report_is_self_contained_with_charts_and_diagrams(result: Any) -> None:
    html = result.to_html(title="Test desk")
    assert "<script" not in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for marker in ('id="sla-0"', 'id="backlog"', 'id="lifecycle-ticket"', "stateDiagram-v2"):
        assert marker in html
    for svg in html.split("<svg ")[1:]:
        ET.fromstring("<svg " + svg.split("</svg>")[0] + "</svg>")


def test_a_scenario_needs_a_name_and_staffing() -> None:
    with pytest.raises(InvalidArgument):
        Scenario(name="", staffing=Staffing.rotation({1: 1}))
    with pytest.raises(InvalidArgument):
        Scenario(name="x", staffing="ten agents")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        Scenario(name="x", staffing=Staffing.rotation({1: 1}), sla="24/7")  # type: ignore[arg-type]


def test_escalated_tickets_are_worked_on_by_their_new_tier() -> None:
    up = EscalationPolicy(
        [EscalationRule("late reply", WhenSLABreached("first_reply"), EscalateTo())]
    )
    tight = scenario(sla=_sla(first_reply=timedelta(minutes=30)), escalation=up, agents=1)
    outcome = run(workload(days=4), tight, keep_tickets=True)
    moved = handed_over = 0
    for ticket in outcome.tickets:
        history = list(ticket.history)
        ups = [i for i, event in enumerate(history) if event.name == "ticket_escalated"]
        if not ups:
            continue
        moved += 1
        tier = history[ups[-1]].to_tier  # type: ignore[attr-defined]
        later = [event.agent for event in history[ups[-1] :] if event.name == "ticket_assigned"]  # type: ignore[attr-defined]
        # Whoever takes the ticket after its last escalation works in that tier (or is
        # the incident desk, which solves the tickets linked to an incident).
        assert all(
            agent.startswith(f"A{min(tier, 3)}-") or agent == "incident-desk" for agent in later
        ), ticket.id
        handed_over += any(agent != "incident-desk" for agent in later)
    assert moved > 0
    assert handed_over > 0
    assert outcome.kpis.escalation_rate is not None
    assert outcome.kpis.escalation_rate > 0


def _gc_watch(seen: list[bool]) -> Any:
    """An on_ticket_done callback that records whether the collector is enabled."""

    def done(ticket: Any, outcome: TicketOutcome) -> None:
        seen.append(gc.isenabled())

    return done


def test_the_cyclic_collector_is_paused_during_a_run_and_enabled_again(small: Any) -> None:
    assert gc.isenabled()
    seen: list[bool] = []
    run(small, scenario(), on_ticket_done=_gc_watch(seen))
    assert seen
    assert not any(seen)
    assert gc.isenabled()
    seen.clear()
    run(small, scenario(), on_ticket_done=_gc_watch(seen), pause_gc=False)
    assert seen
    assert all(seen)


def test_the_collector_is_enabled_again_when_a_run_fails(small: Any) -> None:
    def fail(ticket: Any, outcome: TicketOutcome) -> None:
        raise RuntimeError("the host's store is down")

    with pytest.raises(RuntimeError, match="store is down"):
        run(small, scenario(), on_ticket_done=fail)
    assert gc.isenabled()


def test_a_collector_the_host_disabled_stays_disabled(small: Any) -> None:
    gc.disable()
    try:
        run(small, scenario())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_creates_no_cyclic_garbage_so_pausing_the_collector_is_safe(small: Any) -> None:
    # Pausing the collector costs no memory only while the simulator creates no
    # reference cycles: everything it drops must be freed by reference counting.
    gc.collect()
    gc.disable()
    try:
        simulated = run(small, scenario(), keep_tickets=True, pause_gc=False)
        what_if(small, scenario("a"), scenario("b", agents=4), pause_gc=False)
        del simulated
        assert gc.collect() == 0
    finally:
        gc.enable()
