"""KPIs over tickets, survey answers and customers: hand-computed fixtures for each one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pendulum
import pytest

from supportflow import InvalidArgument, InvalidType, NaiveDatetimeError
from supportflow._customers._customer import Customer, LifecyclePhase
from supportflow._kernel._time import US_PER_MINUTE, instant_us
from supportflow._metrics._kpis import (
    DurationStats,
    Ratio,
    Report,
    backlog,
    churn_rate,
    csat,
    customer_effort_score,
    escalation_rate,
    first_contact_resolution,
    first_reply_times,
    kpi_report,
    nps,
    reopen_rate,
    resolution_times,
    retention_rate,
    ticket_milestones,
)
from supportflow._proactive._feedback import CESMethod, FeedbackProgram, SurveyKind, SurveyResponse
from supportflow._tickets._ticket import Ticket
from supportflow._tickets._tiers import TierLadder
from supportflow._vocabulary._taxonomy import Channel, Priority, Topic

# A Monday.
T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
START = T0.subtract(days=1)
END = T0.add(days=7)
MIN = US_PER_MINUTE


def ticket(
    ticket_id: str,
    steps: Sequence[tuple[int, str]],
    *,
    channel: Channel = Channel.EMAIL,
    priority: Priority = Priority.NORMAL,
    created: int = 0,
    customer: str = "C-1",
    team: str | None = None,
    **options: object,
) -> Ticket:
    """A ticket opened ``created`` minutes after T0, then driven by ``(minute, action)`` steps
    (minutes after its creation).

    Actions: assign, reply, note, message (customer), pending, hold, resume, solve,
    confirm.
    """
    t = Ticket.open(
        ticket_id,
        customer_id=customer,
        subject=f"subject of {ticket_id}",
        topic=Topic.TROUBLESHOOTING,
        channel=channel,
        priority=priority,
        team=team,
        at=T0.add(minutes=created),
        **options,  # type: ignore[arg-type]
    )
    for minute, action in steps:
        at = T0.add(minutes=created + minute)
        if action == "assign":
            t.assign("ana", at=at)
        elif action == "assign_bo":
            t.assign("bo", at=at)
        elif action == "reply":
            t.reply("ana", "an answer", at=at)
        elif action == "note":
            t.add_note("ana", "a note", at=at)
        elif action == "message":
            t.customer_message("more", at=at)
        elif action == "pending":
            t.set_pending(at=at)
        elif action == "hold":
            t.put_on_hold(at=at)
        elif action == "resume":
            t.resume(at=at)
        elif action == "solve":
            t.solve("done", at=at)
        elif action == "confirm":
            t.confirm(at=at)
        else:  # pragma: no cover - a typo in a fixture
            raise AssertionError(action)
    return t


def response(
    kind: SurveyKind,
    score: int,
    *,
    minute: int = 60,
    scale: tuple[int, int] = (1, 5),
    method: str = "satisfaction",
    ticket_id: str | None = None,
    channel: Channel | None = None,
    number: list[int] = [0],  # noqa: B006 - a counter for unique survey ids
) -> SurveyResponse:
    number[0] += 1
    return SurveyResponse(
        survey_id=f"S-{number[0]}",
        kind=kind,
        customer_id="C-1",
        ticket_id=ticket_id,
        score=score,
        scale_min=scale[0],
        scale_max=scale[1],
        method=method,
        channel=channel,
        comment=None,
        at_us=instant_us(T0.add(minutes=minute)),
    )


# -- durations ------------------------------------------------------------------------


def test_duration_stats_mean_median_and_nearest_rank_p90_by_hand() -> None:
    stats = DurationStats.of([40 * MIN, 10 * MIN, 20 * MIN, 30 * MIN])
    assert stats.count == 4
    assert stats.mean_us == 25 * MIN
    assert stats.median_us == 25 * MIN  # mean of the two middle values
    assert stats.p90_us == 40 * MIN  # ceil(0.9 * 4) = 4th value
    ten = DurationStats.of(m * MIN for m in range(1, 11))
    assert ten.p90_us == 9 * MIN  # ceil(9.0) = 9th value, nearest rank
    assert ten.median == pendulum.duration(minutes=5, seconds=30)
    odd = DurationStats.of([3, 1, 2])
    assert (odd.mean_us, odd.median_us, odd.p90_us) == (2, 2, 3)
    assert DurationStats.of([1, 2]).mean_us == 2  # 1.5 rounds half up
    empty = DurationStats.of([])
    assert (empty.count, empty.mean, empty.median, empty.p90) == (0, None, None, None)


def test_first_reply_and_resolution_times_in_calendar_time() -> None:
    tickets = [
        ticket("A", [(0, "assign"), (30, "reply"), (90, "solve")]),
        ticket("B", [(0, "assign"), (60, "reply"), (180, "solve")], created=60),
        ticket("C", [(0, "assign"), (10, "note")]),  # no reply yet: not measured
    ]
    replies = first_reply_times(tickets, start=START, end=END)
    assert replies.count == 2
    assert replies.mean_us == 45 * MIN  # (30 + 60) / 2
    assert replies.median_us == 45 * MIN
    assert replies.p90_us == 60 * MIN
    solves = resolution_times(tickets, start=START, end=END)
    assert (solves.count, solves.mean_us, solves.p90_us) == (2, 135 * MIN, 180 * MIN)


def test_times_count_in_the_period_where_the_reply_or_solve_happened() -> None:
    t = ticket("A", [(0, "assign"), (30, "reply"), (24 * 60 + 30, "solve")])
    day_one = {"start": T0, "end": T0.add(days=1)}
    assert first_reply_times([t], **day_one).count == 1
    assert resolution_times([t], **day_one).count == 0
    later = resolution_times([t], start=T0.add(days=1), end=T0.add(days=2))
    assert later.mean_us == (24 * 60 + 30) * MIN


def test_resolution_time_runs_to_the_first_solve_even_after_a_reopen() -> None:
    t = ticket("A", [(0, "assign"), (10, "reply"), (20, "solve"), (50, "message"), (80, "solve")])
    solves = (instant_us(T0.add(minutes=20)), instant_us(T0.add(minutes=80)))
    assert ticket_milestones(t).solves_us == solves
    assert resolution_times([t], start=START, end=END).mean_us == 20 * MIN


# -- ticket ratios ------------------------------------------------------------------------


def fcr_fixture() -> list[Ticket]:
    return [
        ticket("one-touch", [(0, "assign"), (10, "reply"), (20, "solve")]),
        ticket("two-replies", [(0, "assign"), (10, "reply"), (15, "reply"), (20, "solve")]),
        ticket("reopened", [(0, "assign"), (10, "reply"), (20, "solve"), (30, "message")]),
        ticket("unsolved", [(0, "assign"), (10, "reply")]),
        # TicketSolved before the period starts: not counted.
        ticket("old", [(0, "assign"), (10, "reply"), (20, "solve")], created=-3 * 24 * 60),
    ]


def test_first_contact_resolution_by_hand() -> None:
    tickets = fcr_fixture()
    # TicketSolved in the period: one-touch, two-replies, reopened -> 1 of 3.
    assert first_contact_resolution(tickets, start=START, end=END) == pytest.approx(100 / 3)
    assert first_contact_resolution(tickets[3:4], start=START, end=END) is None


def test_reopen_rate_by_hand() -> None:
    assert reopen_rate(fcr_fixture(), start=START, end=END) == pytest.approx(100 / 3)
    assert reopen_rate([], start=START, end=END) is None


def test_escalation_rate_counts_functional_escalations_of_tickets_created_in_the_period() -> None:
    plain = ticket("plain", [(0, "assign")], tier=1)
    raised = ticket("raised", [(0, "assign")], created=5, tier=1)
    ladder = TierLadder.default()
    raised.escalate(ladder=ladder, reason="needs an expert", actor="ana", at=T0.add(minutes=30))
    manager = ticket("manager", [(0, "assign")], tier=1)
    manager.notify_manager(role="support lead", reason="VIP", actor="ana", at=T0.add(hours=1))
    # A hierarchical escalation (a manager told) is not a functional one.
    assert escalation_rate([plain, raised, manager], start=START, end=END) == pytest.approx(100 / 3)
    assert escalation_rate([plain, raised], start=END, end=END.add(days=1)) is None


# -- backlog ---------------------------------------------------------------------------------


def test_backlog_counts_tickets_created_and_not_solved_or_closed_at_the_instant() -> None:
    a = ticket("A", [(0, "assign"), (10, "reply"), (60, "solve"), (90, "message")])
    b = ticket("B", [(0, "assign"), (20, "pending")], created=30)
    c = ticket("C", [(0, "assign"), (10, "solve"), (20, "confirm")])

    def at(minute: int) -> int:
        return backlog([a, b, c], at=T0.add(minutes=minute))

    assert at(-1) == 0
    assert at(0) == 2  # A and C are new; B does not exist yet
    assert at(10) == 1  # C solved at 10 (an instant counts its own events)
    assert at(30) == 2  # B created at 30
    assert at(60) == 1  # A solved; B pending still counts
    assert at(90) == 2  # A reopened by the customer


# -- surveys -------------------------------------------------------------------------------


def test_csat_is_the_share_of_4_and_5_on_a_5_point_scale() -> None:
    answers = [response(SurveyKind.CSAT, s) for s in (5, 4, 3, 1)]
    assert csat(answers) == 50.0
    assert csat(answers, satisfied_from=5) == 25.0
    seven = [response(SurveyKind.CSAT, s, scale=(1, 7)) for s in (7, 6, 5)]
    assert csat(seven) == pytest.approx(200 / 3)  # top two boxes: 6 and 7
    three = [response(SurveyKind.CSAT, s, scale=(1, 3)) for s in (3, 2)]
    assert csat(three) == 50.0  # top box only on a 3-point scale
    assert csat([response(SurveyKind.NPS, 10, scale=(0, 10))]) is None


def test_csat_from_a_real_feedback_program() -> None:
    program = FeedbackProgram.create("FB", csat_delay=timedelta(0), nps_every=None, at=T0)
    for number in (1, 2, 3):
        program.schedule_csat(f"T-{number}", customer_id="C-1", at=T0.add(minutes=number))
    program.evaluate(at=T0.add(minutes=5))
    for survey, score in zip(program.surveys, (5, 2, 4), strict=True):
        program.record_response(survey.survey_id, score, at=T0.add(minutes=10))
    assert csat(program.responses, start=START, end=END) == pytest.approx(200 / 3)
    assert csat(program.responses, start=END, end=END.add(days=1)) is None


def test_nps_is_promoters_minus_detractors() -> None:
    scores = (10, 9, 8, 7, 6, 0)
    answers = [response(SurveyKind.NPS, s, scale=(0, 10)) for s in scores]
    assert nps(answers) == 0.0
    answers = [response(SurveyKind.NPS, s, scale=(0, 10)) for s in (10, 10, 9, 3)]
    assert nps(answers) == 50.0
    assert nps([response(SurveyKind.NPS, 0, scale=(0, 10))]) == -100.0
    assert nps([]) is None
    with pytest.raises(InvalidArgument, match="0-10"):
        nps([response(SurveyKind.NPS, 5, scale=(1, 5))])


def test_ces_is_the_mean_with_its_scale_and_method() -> None:
    answers = [
        response(SurveyKind.CES, s, scale=(1, 7), method=CESMethod.AGREEMENT) for s in (7, 5, 6)
    ]
    result = customer_effort_score(answers)
    assert result is not None
    assert (result.mean, result.scale_min, result.scale_max, result.method) == (
        6.0,
        1,
        7,
        "agreement",
    )
    assert result.responses == 3
    assert customer_effort_score([]) is None
    mixed = [*answers, response(SurveyKind.CES, 2, scale=(1, 5), method=CESMethod.EFFORT)]
    with pytest.raises(InvalidArgument, match="several methods"):
        customer_effort_score(mixed)
    report = kpi_report([], start=START, end=END, responses=mixed)
    assert [(c.method, c.mean) for c in report.overall.ces] == [
        ("agreement", 6.0),
        ("effort", 2.0),
    ]


def test_survey_periods_are_half_open() -> None:
    answers = [response(SurveyKind.CSAT, 5, minute=0), response(SurveyKind.CSAT, 1, minute=60)]
    assert csat(answers, start=T0, end=T0.add(minutes=60)) == 100.0
    with pytest.raises(InvalidArgument, match="both"):
        csat(answers, start=T0)


# -- customers ------------------------------------------------------------------------------


def customer(customer_id: str, moves: Sequence[tuple[int, LifecyclePhase]]) -> Customer:
    c = Customer.register(customer_id, at=T0.subtract(days=30), phase="learning")
    for day, phase in moves:
        c.change_phase(phase, at=T0.add(days=day), reason="test")
    return c


def test_churn_and_retention_by_hand() -> None:
    people = [
        customer("stays", [(-20, LifecyclePhase.BUYING), (-10, LifecyclePhase.USING)]),
        customer("leaves", [(-20, LifecyclePhase.BUYING), (3, LifecyclePhase.CHURNED)]),
        customer(
            "comes-back",
            [(-20, LifecyclePhase.USING), (2, LifecyclePhase.CHURNED), (5, LifecyclePhase.BUYING)],
        ),
        customer("new", [(1, LifecyclePhase.BUYING)]),
        customer("prospect", []),
        customer("gone-before", [(-20, LifecyclePhase.USING), (-5, LifecyclePhase.CHURNED)]),
    ]
    # S = 3 (stays, leaves, comes-back); E = 3 (stays, comes-back, new); N = 1 (new).
    assert churn_rate(people, start=T0, end=END) == pytest.approx(100 / 3)
    assert retention_rate(people, start=T0, end=END) == pytest.approx(200 / 3)  # (3 - 1) / 3
    assert churn_rate([], start=T0, end=END) is None
    assert retention_rate(people[3:5], start=T0, end=END) is None


def test_a_contract_ending_at_midnight_is_lost_in_the_month_it_ends_and_only_there() -> None:
    march, april, may = (pendulum.datetime(2026, m, 1, tz="UTC") for m in (3, 4, 5))
    c = Customer.register("C-1", phase=LifecyclePhase.USING, at=march.subtract(days=1))
    c.churn(reason="contract ended", at=april)  # exactly at the boundary
    assert churn_rate([c], start=march, end=april) == 100.0
    assert churn_rate([c], start=april, end=may) is None  # not in April's start cohort
    assert retention_rate([c], start=march, end=april) == 0.0


# -- the report ------------------------------------------------------------------------------


def test_report_groups_by_channel_and_priority_and_rows_add_up() -> None:
    tickets = [
        ticket("A", [(0, "assign"), (10, "reply"), (20, "solve")]),
        ticket("B", [(0, "assign"), (30, "reply")], channel=Channel.PHONE),
        ticket("C", [(0, "assign"), (5, "reply"), (7, "solve")], priority=Priority.HIGH),
    ]
    answers = [
        response(SurveyKind.CSAT, 5, ticket_id="A"),
        response(SurveyKind.CSAT, 2, ticket_id="C"),
        response(SurveyKind.CSAT, 4, channel=Channel.PHONE),
    ]
    report = kpi_report(
        tickets, start=START, end=END, responses=answers, group_by=["channel", "priority"]
    )
    labels = [row.label for row in report.rows]
    assert labels == [
        "channel=email, priority=high",
        "channel=email, priority=normal",
        "channel=phone, priority=normal",
        "channel=phone, priority=(none)",  # no value sorts after every named one
    ]
    email_normal = report.row(channel="email", priority="normal")
    assert email_normal.first_contact_resolution == Ratio(1, 1)
    assert email_normal.csat == Ratio(1, 1)
    assert report.row(channel="email", priority="high").csat == Ratio(0, 1)
    # The phone answer names no ticket: only its channel is known.
    assert report.row(channel="phone", priority=None).csat == Ratio(1, 1)
    assert report.overall.csat == Ratio(2, 3)
    assert report.overall.tickets_created == sum(r.tickets_created for r in report.rows) == 3
    assert report.overall.backlog == 1
    text = report.render_text()
    assert "channel=phone, priority=normal" in text
    assert "by channel, priority" in text
    data = json.loads(json.dumps(report.to_dict()))
    assert data["type"] == "kpi_report"
    assert data["overall"]["csat"] == {"numerator": 2, "denominator": 3, "percent": 200 / 3}
    with pytest.raises(LookupError):
        report.row(channel="sms")


def grouped_report() -> Report:
    tickets = [
        ticket("A", [(0, "assign"), (10, "reply"), (20, "solve")], priority=Priority.URGENT),
        ticket("B", [(0, "assign"), (30, "reply")], channel=Channel.PHONE),
        ticket("C", [(0, "assign"), (5, "reply"), (7, "solve")], priority=Priority.HIGH),
    ]
    answers = [
        response(SurveyKind.CSAT, 5, ticket_id="A"),
        response(SurveyKind.NPS, 10, scale=(0, 10), method="recommend"),
    ]
    return kpi_report(
        tickets, start=START, end=END, responses=answers, group_by="priority", calendar=None
    )


def test_the_report_text_fits_100_columns_and_prints_instants_people_read() -> None:
    text = grouped_report().render_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert text.startswith(
        "Support KPIs by priority, 2026-03-01 09:00 UTC to 2026-03-09 09:00 UTC (end excluded)\n"
    )
    assert "backlog at 2026-03-09 09:00 UTC" in text
    assert "000000Z" not in text


def test_a_group_with_survey_answers_only_is_said_so_and_left_out_of_the_time_tables() -> None:
    report = grouped_report()
    volume, times = report.tables()
    assert [row[0] for row in volume.rows] == [
        "priority=high",
        "priority=normal",
        "priority=urgent",
        "priority=(none)",
        "all",
    ]
    assert volume.rows[3][-1] == "100.0"  # the NPS answer, on no ticket
    assert "priority=(none)" not in [row[0] for row in times.rows]
    assert report.notes() == (
        "priority=(none): survey answers not linked to a ticket of the report",
    )


def test_the_text_is_the_tables_and_notes_and_the_summary_reads_the_overall_row() -> None:
    report = grouped_report()
    text = report.render_text()
    for table in report.tables():
        assert "\n".join(table.lines()) in text
    for note in report.notes():
        assert note in text
    summary = dict(report.summary())
    assert summary["Tickets created"] == "3"
    assert summary["Tickets solved (first solve)"] == "2"
    assert summary["Backlog at 2026-03-09 09:00 UTC"] == "1"
    assert summary["First reply, median"] == "10m 00s"
    assert summary["First-contact resolution"] == "100.0 %"
    assert summary["NPS"] == "+100"


def test_an_empty_report_gives_none_never_a_division_error() -> None:
    report = kpi_report([], start=START, end=END, group_by="agent", calendar=None)
    row = report.overall
    assert row.first_contact_resolution.percent is None
    assert row.csat.percent is None
    assert row.nps.score is None
    assert row.first_reply.mean is None
    assert row.churn is not None
    assert row.churn.percent is None
    assert report.rows == ()
    assert "all" in report.render_text()
    # With no customer given there is nothing to say about churn.
    assert "Customers:" not in report.render_text()


def test_bad_arguments_are_refused_with_a_clear_error() -> None:
    with pytest.raises(InvalidArgument, match="must be after start"):
        kpi_report([], start=END, end=START)
    with pytest.raises(NaiveDatetimeError):
        kpi_report([], start=datetime(2026, 1, 1), end=END)
    with pytest.raises(InvalidArgument, match="cannot group by 'mood'"):
        kpi_report([], start=START, end=END, group_by="mood")
    with pytest.raises(InvalidArgument, match="twice"):
        kpi_report([], start=START, end=END, group_by=["team", "team"])
    with pytest.raises(InvalidType):
        kpi_report("tickets", start=START, end=END)
    assert backlog([], at=datetime(2026, 1, 1, tzinfo=UTC)) == 0
