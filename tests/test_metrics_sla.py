"""SLA compliance per metric: clocks that ended in the period, met or breached."""

from __future__ import annotations

from datetime import timedelta

import pendulum
import pytest

from supportflow._calendars._calendar import BusinessCalendar
from supportflow._customers._customer import Customer, TimelineKind
from supportflow._metrics._kpis import kpi_report, sla_compliance
from supportflow._sla._policy import SLAPolicy, SLAPolicySet
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Priority, Topic


def handled(
    ticket_id: str,
    opened: pendulum.DateTime,
    replied: pendulum.DateTime,
    solved: pendulum.DateTime,
    **options: object,
) -> Ticket:
    t = Ticket.open(
        ticket_id,
        customer_id="C-1",
        subject="help",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=opened,
        **options,  # type: ignore[arg-type]
    )
    t.assign("ana", at=opened)
    t.reply("ana", "an answer", at=replied)
    t.solve("done", at=solved)
    return t


def sla_policies() -> SLAPolicySet:
    always = BusinessCalendar.always_open()
    hour = timedelta(hours=1)
    policy = SLAPolicy(
        "standard",
        {
            "first_reply": {"normal": hour, "high": hour},
            "resolution": {"normal": 4 * hour, "high": 4 * hour},
        },
        calendar=always,
    )
    return SLAPolicySet([policy])


def test_sla_compliance_per_metric_counts_clocks_that_ended_in_the_period() -> None:
    policies = sla_policies()
    t0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    on_time = handled("A", t0, t0.add(minutes=30), t0.add(hours=2), sla=policies)
    late_reply = handled("B", t0, t0.add(hours=2), t0.add(hours=3), sla=policies)
    # C is never answered; evaluating records both breaches at their deadlines.
    never = Ticket.open(
        "C",
        customer_id="C-1",
        subject="help",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        sla=policies,
        at=t0,
    )
    never.evaluate(at=t0.add(hours=6))
    # D is still running inside its targets: nothing ended.
    running = Ticket.open(
        "D",
        customer_id="C-1",
        subject="help",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        sla=policies,
        at=t0.add(hours=5, minutes=30),
    )
    tickets = [on_time, late_reply, never, running]
    period = {"start": t0, "end": t0.add(days=1)}
    compliance = sla_compliance(tickets, **period)
    # first_reply: A met, B replied after its deadline, C breached -> 1 of 3.
    assert compliance["first_reply"] == pytest.approx(100 / 3)
    # resolution: A and B met (within 4 h), C breached at t0 + 4 h -> 2 of 3.
    assert compliance["resolution"] == pytest.approx(200 / 3)
    report = kpi_report(tickets, group_by="policy", **period)
    (row,) = report.rows
    assert row.label == "policy=standard"
    assert row.sla["first_reply"].numerator == 1
    assert "SLA compliance" in report.render_text()
    # C's breaches happened at t0 + 1 h and t0 + 4 h: a period ending before sees none.
    early = sla_compliance([never], start=t0, end=t0.add(hours=1))
    assert early == {}
    customer = Customer.register("C-1", at=t0, phase="learning")
    customer.record_ticket(never, at=t0.add(hours=6))
    customer.record_ticket(late_reply, at=t0.add(hours=6))
    breaches = [e.at for e in customer.timeline if e.kind is TimelineKind.SLA_BREACHED]
    # B's late reply caught up its breach at the deadline too.
    assert breaches == [t0.add(hours=1), t0.add(hours=1), t0.add(hours=4)]
    assert [e.reference_id for e in customer.timeline if e.kind is TimelineKind.SLA_BREACHED] == [
        "C",
        "B",
        "C",
    ]


def test_sla_status_and_duration_stats_reprs_read_as_durations_and_instants() -> None:
    t0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    ticket = Ticket.open(
        "R",
        customer_id="C-1",
        subject="help",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=t0,
        sla=sla_policies(),
    )
    first_reply = ticket.sla.report(at=t0.add(minutes=15))[0]
    text = repr(first_reply)
    assert "due_us=2026-03-02 10:00 UTC" in text
    assert "elapsed_us=15m 00s" in text
    assert "target_us=1h 00m" in text
    assert "remaining_us=45m 00s" in text
    assert "overdue_us=0s" in text
    assert first_reply.elapsed_us == 15 * 60 * 1_000_000  # the values stay integers
    stats = repr(kpi_report([ticket], start=t0, end=t0.add(days=1)).overall.first_reply)
    assert stats == "DurationStats(count=0, mean_us=-, median_us=-, p90_us=-)"
