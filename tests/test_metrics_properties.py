"""KPI properties over random tickets and answers: bounds, totals, backlog by replay."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from strategies import metrics_ticket_specs, survey_answer_specs
from supportflow import SupportflowError, TierLadder
from supportflow._kernel._time import instant_us
from supportflow._metrics._kpis import Dimension, backlog, csat, kpi_report, nps
from supportflow._proactive._feedback import SurveyKind, SurveyResponse
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Priority, TicketStatus, Topic

T0 = pendulum.datetime(2026, 3, 2, 0, tz="UTC")
LADDER = TierLadder.default()
Spec = tuple[str, str, str | None, int, list[tuple[str, int]]]


def build(specs: Sequence[Spec]) -> list[Ticket]:
    """Tickets from specs; actions refused in the current status are skipped."""
    tickets = []
    for number, (channel, priority, team, created, steps) in enumerate(specs):
        at = T0.add(minutes=created)
        t = Ticket.open(
            f"T-{number}",
            customer_id=f"C-{number % 3}",
            subject="s",
            topic=Topic.TROUBLESHOOTING,
            channel=Channel(channel),
            priority=Priority(priority),
            team=team,
            tier=1,
            at=at,
        )
        for action, minutes in steps:
            at = at.add(minutes=minutes)
            try:
                if action == "assign":
                    t.assign(f"agent-{minutes % 2}", at=at)
                elif action == "reply":
                    t.reply("agent", "answer", at=at)
                elif action == "add_note":
                    t.add_note("agent", "note", at=at)
                elif action == "customer_message":
                    t.customer_message("more", at=at)
                elif action == "solve":
                    t.solve("done", at=at)
                elif action == "escalate":
                    t.escalate(ladder=LADDER, reason="stuck", actor="agent", at=at)
                else:
                    getattr(t, action)(at=at)
            except SupportflowError:
                pass
        tickets.append(t)
    return tickets


def status_by_replay(ticket: Ticket, us: int) -> TicketStatus | None:
    """The status at ``us`` computed independently: replay the events up to that instant."""
    events = [e for e in ticket.history if e.at_us <= us]
    if not events:
        return None
    return Ticket.replay(events).status


instants = st.integers(-60, 5 * 24 * 60)


@given(metrics_ticket_specs(), st.lists(instants, min_size=1, max_size=4))
def test_backlog_equals_the_tickets_open_at_that_instant(
    specs: list[Spec], minutes: list[int]
) -> None:
    tickets = build(specs)
    for minute in minutes:
        at = T0.add(minutes=minute)
        us = instant_us(at)
        expected = 0
        for t in tickets:
            status = status_by_replay(t, us)
            if status is not None and status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
                expected += 1
        assert backlog(tickets, at=at) == expected


dimensions = st.lists(
    st.sampled_from(
        [Dimension.CHANNEL, Dimension.PRIORITY, Dimension.TEAM, Dimension.AGENT, Dimension.TIER]
    ),
    max_size=2,
    unique=True,
)


@given(metrics_ticket_specs(), dimensions, instants, st.integers(1, 3 * 24 * 60))
def test_group_totals_add_up_to_the_whole(
    specs: list[Spec], group_by: list[Dimension], start_minute: int, length: int
) -> None:
    tickets = build(specs)
    start = T0.add(minutes=start_minute)
    report = kpi_report(tickets, start=start, end=start.add(minutes=length), group_by=group_by)
    whole = report.overall
    rows = report.rows if group_by else (whole,)
    assert sum(r.tickets_created for r in rows) == whole.tickets_created
    assert sum(r.tickets_solved for r in rows) == whole.tickets_solved
    assert sum(r.backlog for r in rows) == whole.backlog
    for name in ("first_contact_resolution", "reopens", "escalations"):
        total = sum((getattr(r, name) for r in rows), start=type(getattr(whole, name))(0, 0))
        assert total == getattr(whole, name)
    assert sum(r.first_reply.count for r in rows) == whole.first_reply.count
    assert sum(r.resolution.count for r in rows) == whole.resolution.count
    for metric, ratio in whole.sla.items():
        assert sum(r.sla[metric].denominator for r in rows if metric in r.sla) == ratio.denominator
    for row in (*rows, whole):
        for ratio in (row.first_contact_resolution, row.reopens, row.escalations):
            assert ratio.percent is None or 0 <= ratio.percent <= 100
        stats = row.resolution
        if stats.count:
            assert stats.median_us is not None
            assert stats.p90_us is not None
            assert stats.median_us <= stats.p90_us


def answers(specs: list[tuple[str, int, int, int]]) -> list[SurveyResponse]:
    return [
        SurveyResponse(
            survey_id=f"S-{index}",
            kind=SurveyKind(kind),
            customer_id="C-1",
            ticket_id=None,
            score=score,
            scale_min=low,
            scale_max=high,
            method="agreement",
            channel=None,
            comment=None,
            at_us=instant_us(T0.add(minutes=index)),
        )
        for index, (kind, score, low, high) in enumerate(specs)
    ]


@given(st.lists(survey_answer_specs(), max_size=40))
def test_csat_stays_in_0_100_and_nps_in_minus_100_100(
    specs: list[tuple[str, int, int, int]],
) -> None:
    found = answers(specs)
    score = csat(found)
    kinds = [kind for kind, *_ in specs]
    assert (score is None) == ("csat" not in kinds)
    assert score is None or 0 <= score <= 100
    net = nps(found)
    assert (net is None) == ("nps" not in kinds)
    assert net is None or -100 <= net <= 100
    report = kpi_report([], start=T0, end=T0.add(days=1), responses=found)
    assert report.overall.csat.denominator == kinds.count("csat")
    assert report.overall.nps.responses == kinds.count("nps")
    assert sum(c.responses for c in report.overall.ces) == kinds.count("ces")
