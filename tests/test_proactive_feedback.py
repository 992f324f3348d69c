"""Feedback programs: CSAT after solve, NPS and CES on a cadence, validated responses."""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import proactive_command_steps
from supportflow import (
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    SchemaError,
    SupportflowError,
    UnknownName,
)
from supportflow._proactive._feedback import (
    CESMethod,
    FeedbackProgram,
    FeedbackSurveySent,
    SurveyKind,
    SurveyStatus,
)
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

T0 = pendulum.datetime(2026, 1, 5, 8, tz="UTC")


def program(**kwargs: object) -> FeedbackProgram:
    options: dict[str, object] = {
        "csat_delay": timedelta(hours=2),
        "nps_every": timedelta(days=90),
        "ces_every": timedelta(days=30),
        "ces_scale": 7,
        "ces_method": CESMethod.AGREEMENT,
        "at": T0,
    }
    options.update(kwargs)
    return FeedbackProgram.create("FB", **options)  # type: ignore[arg-type]


def snapshot(p: FeedbackProgram) -> str:
    return json.dumps(p.to_dict(), sort_keys=True)


def test_csat_goes_out_a_delay_after_the_solve_and_records_a_rich_response() -> None:
    p = program()
    survey = p.schedule_csat(
        "T-1", customer_id="acme", solved_at=T0.add(hours=1), at=T0.add(hours=1)
    )
    assert survey.due == T0.add(hours=3)
    assert p.next_deadline() == T0.add(hours=3)
    with pytest.raises(InvalidArgument, match="never sent"):
        p.record_response(survey.survey_id, 5, at=T0.add(hours=2))
    (sent,) = p.evaluate(at=T0.add(hours=5))
    assert isinstance(sent, FeedbackSurveySent)
    assert sent.at == T0.add(hours=3)
    assert sent.ticket_id == "T-1"
    response = p.record_response(
        survey.survey_id, 4, channel=Channel.EMAIL, comment="quick fix", at=T0.add(hours=6)
    )
    assert (response.kind, response.score, response.scale_min, response.scale_max) == (
        SurveyKind.CSAT,
        4,
        1,
        5,
    )
    assert (response.method, response.customer_id, response.ticket_id) == (
        "satisfaction",
        "acme",
        "T-1",
    )
    assert response.channel is Channel.EMAIL
    assert response.at == T0.add(hours=6)
    assert p.survey(survey.survey_id).status is SurveyStatus.ANSWERED
    with pytest.raises(InvalidArgument, match="answered"):
        p.record_response(survey.survey_id, 5, at=T0.add(hours=7))


def test_nps_and_ces_run_on_a_cadence_per_customer() -> None:
    p = program()
    p.enroll("acme", at=T0)
    p.enroll("globex", at=T0.add(days=10))
    assert p.next_due("acme", SurveyKind.NPS) == T0.add(days=90)
    assert p.next_due("globex", SurveyKind.CES) == T0.add(days=40)
    sent = p.evaluate(at=T0.add(days=45))
    assert [(e.kind, e.customer_id, e.at) for e in sent] == [
        (SurveyKind.CES, "acme", T0.add(days=30)),
        (SurveyKind.CES, "globex", T0.add(days=40)),
    ]
    assert p.next_due("acme", SurveyKind.CES) == T0.add(days=60)
    nps = [e for e in p.evaluate(at=T0.add(days=91)) if e.kind is SurveyKind.NPS]
    response = p.record_response(nps[0].survey_id, 10, at=T0.add(days=92))
    assert (response.scale_min, response.scale_max, response.method) == (
        0,
        10,
        "likelihood_to_recommend",
    )
    ces = p.record_response(sent[0].survey_id, 6, channel=Channel.IN_APP, at=T0.add(days=92))
    assert (ces.scale_min, ces.scale_max, ces.method) == (1, 7, "agreement")


@pytest.mark.parametrize(
    ("kind", "bad"),
    [(SurveyKind.NPS, 11), (SurveyKind.NPS, -1), (SurveyKind.CES, 0), (SurveyKind.CES, 8)],
)
def test_out_of_range_scores_are_refused_and_change_nothing(kind: SurveyKind, bad: int) -> None:
    p = program(ces_every=timedelta(days=90))
    p.enroll("acme", at=T0)
    survey = next(e for e in p.evaluate(at=T0.add(days=90)) if e.kind is kind)
    before = snapshot(p)
    with pytest.raises(InvalidArgument, match="must be between"):
        p.record_response(survey.survey_id, bad, at=T0.add(days=91))
    with pytest.raises(InvalidType):
        p.record_response(survey.survey_id, True, at=T0.add(days=91))
    with pytest.raises(InvalidType):
        p.record_response(survey.survey_id, 5.0, at=T0.add(days=91))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"channel must be one of .* got 'fax'"):
        p.record_response(survey.survey_id, 5, channel="fax", at=T0.add(days=91))  # type: ignore[arg-type]
    assert snapshot(p) == before


def test_one_scheduled_csat_survey_per_ticket_until_it_is_sent_or_cancelled() -> None:
    p = program()
    first = p.schedule_csat("T-1", customer_id="acme", at=T0)
    other = p.schedule_csat("T-2", customer_id="acme", at=T0)
    before = snapshot(p)
    with pytest.raises(InvalidArgument, match=f"T-1 already has CSAT survey {first.survey_id}"):
        p.schedule_csat("T-1", customer_id="acme", at=T0.add(minutes=1))
    assert snapshot(p) == before
    p.cancel_survey(first.survey_id, reason="ticket reopened", at=T0.add(minutes=2))
    again = p.schedule_csat("T-1", customer_id="acme", at=T0.add(minutes=3))
    with pytest.raises(InvalidArgument, match=f"CSAT survey {again.survey_id} scheduled"):
        p.schedule_csat("T-1", customer_id="acme", at=T0.add(minutes=4))
    with pytest.raises(InvalidArgument, match=f"CSAT survey {other.survey_id} scheduled"):
        p.schedule_csat("T-2", customer_id="acme", at=T0.add(minutes=4))
    p.evaluate(at=T0.add(hours=3))
    p.record_response(again.survey_id, 5, channel="email", at=T0.add(hours=4))  # type: ignore[arg-type]
    assert p.responses[-1].channel is Channel.EMAIL
    third = p.schedule_csat("T-1", customer_id="acme", at=T0.add(hours=4))
    p.schedule_csat("T-2", customer_id="acme", at=T0.add(hours=4))
    assert third.status is SurveyStatus.SCHEDULED
    assert FeedbackProgram.replay(p.history) == p
    assert FeedbackProgram.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_answers_for_unknown_or_cancelled_surveys_are_refused() -> None:
    p = program()
    with pytest.raises(UnknownName, match="no survey 'FB-404'"):
        p.record_response("FB-404", 3, at=T0)
    survey = p.schedule_csat("T-2", customer_id="acme", at=T0)
    p.cancel_survey(survey.survey_id, reason="ticket reopened", at=T0.add(minutes=5))
    before = snapshot(p)
    with pytest.raises(InvalidArgument, match="cancelled"):
        p.record_response(survey.survey_id, 3, at=T0.add(hours=5))
    assert p.evaluate(at=T0.add(days=1)) == ()
    assert snapshot(p) == before


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="ces_scale must be 5 or 7"):
        program(ces_scale=10)
    with pytest.raises(InvalidArgument, match="csat_delay must not be negative"):
        program(csat_delay=timedelta(hours=-1))
    with pytest.raises(InvalidArgument, match="nps_every must be at least one day"):
        program(nps_every=timedelta(0))
    with pytest.raises(InvalidArgument, match="ces_every must be at least one day"):
        program(ces_every=timedelta(microseconds=1))
    with pytest.raises(InvalidArgument, match="csat_delay must be at most 100 years"):
        program(csat_delay=timedelta.max)


def test_a_paused_program_sends_nothing_then_catches_up() -> None:
    p = program()
    p.enroll("acme", at=T0)
    p.pause(at=T0.add(days=1))
    assert p.evaluate(at=T0.add(days=31)) == ()
    assert p.next_deadline() is None
    with pytest.raises(InvalidTransition, match=r"allowed now: .*resume"):
        p.pause(at=T0.add(days=31))
    p.resume(at=T0.add(days=32))
    # the survey held while paused goes out when the program resumes, not before
    assert [e.at for e in p.evaluate(at=T0.add(days=32))] == [T0.add(days=32)]
    assert p.surveys[0].due == T0.add(days=30)
    p.retire(at=T0.add(days=33))
    assert p.evaluate(at=T0.add(days=400)) == ()


def test_round_trip_and_bad_documents() -> None:
    p = program()
    p.enroll("acme", at=T0)
    p.schedule_csat("T-3", customer_id="acme", at=T0)
    p.evaluate(at=T0.add(days=31))
    p.record_response("FB-1", 5, channel=Channel.PHONE, at=T0.add(days=31))
    data = json.loads(json.dumps(p.to_dict()))
    assert data["type"] == "feedback_program"
    assert FeedbackProgram.from_dict(data) == p
    assert FeedbackProgram.replay(p.history) == p
    data["history"][-1]["channel"] = "carrier pigeon"
    with pytest.raises(SchemaError) as caught:
        FeedbackProgram.from_dict(data)
    assert caught.value.path == f"history[{len(data['history']) - 1}].channel"


COMMANDS = ("enroll", "csat", "evaluate", "answer", "cancel", "pause", "resume", "unenroll")
CUSTOMERS = ("acme", "globex", "initech")


@given(steps=proactive_command_steps(COMMANDS, max_minutes=40 * 24 * 60))
def test_random_command_sequences_keep_the_invariants(steps: list[tuple[str, int, int]]) -> None:
    p = program()
    now = T0
    for command, minutes, param in steps:
        now = now.add(minutes=minutes)
        customer = CUSTOMERS[param % 3]
        survey_id = f"FB-{param}"
        before = snapshot(p)
        try:
            if command == "enroll":
                p.enroll(customer, at=now)
            elif command == "unenroll":
                p.unenroll(customer, at=now)
            elif command == "csat":
                p.schedule_csat(f"T-{param}", customer_id=customer, at=now)
            elif command == "evaluate":
                p.evaluate(at=now)
                after = snapshot(p)
                assert p.evaluate(at=now) == ()
                assert snapshot(p) == after
            elif command == "answer":
                p.record_response(survey_id, param, at=now)
            elif command == "cancel":
                p.cancel_survey(survey_id, reason="changed", at=now)
            else:
                getattr(p, command)(at=now)
        except SupportflowError:
            assert snapshot(p) == before
        assert p.version == len(p.history)
        answered = [s.survey_id for s in p.surveys if s.status is SurveyStatus.ANSWERED]
        assert sorted(answered) == sorted(r.survey_id for r in p.responses)
        for r in p.responses:
            assert r.scale_min <= r.score <= r.scale_max
        assert FeedbackProgram.replay(p.history) == p
        assert FeedbackProgram.from_dict(json.loads(json.dumps(p.to_dict()))) == p


@given(
    first=st.integers(0, 200 * 24 * 60),
    second=st.integers(0, 200 * 24 * 60),
    solves=st.lists(st.integers(0, 100 * 24 * 60), max_size=4),
)
def test_evaluating_at_t1_then_t2_equals_once_at_t2(
    first: int, second: int, solves: list[int]
) -> None:
    def prepared() -> FeedbackProgram:
        p = program()
        p.enroll("acme", at=T0)
        p.enroll("globex", at=T0)
        for index, minutes in enumerate(solves):
            p.schedule_csat(
                f"T-{index}",
                customer_id="acme",
                solved_at=T0.add(minutes=minutes),
                at=T0.add(days=100),
            )
        return p

    t1, t2 = sorted((T0.add(days=100, minutes=first), T0.add(days=100, minutes=second)))
    stepwise, once = prepared(), prepared()
    stepwise.evaluate(at=t1)
    stepwise.evaluate(at=t2)
    once.evaluate(at=t2)
    assert stepwise == once


def test_csat_for_a_solved_ticket_reads_its_solve_instant() -> None:
    ticket = Ticket.open(
        "T-5",
        customer_id="acme",
        subject="Invoice is wrong",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        at=T0,
    )
    p = program()
    with pytest.raises(InvalidArgument, match="CSAT surveys follow a solve"):
        p.schedule_csat_for(ticket, at=T0)
    ticket.assign("ana", at=T0.add(minutes=1))
    ticket.reply("ana", "Corrected.", at=T0.add(minutes=2))
    ticket.solve("credit note sent", at=T0.add(minutes=3))
    survey = p.schedule_csat_for(ticket, at=T0.add(minutes=10))
    assert (survey.ticket_id, survey.customer_id) == ("T-5", "acme")
    assert survey.due == T0.add(hours=2, minutes=3)


def test_a_survey_goes_out_exactly_when_due_not_before() -> None:
    p = program()
    survey = p.schedule_csat("T-8", customer_id="acme", at=T0)
    assert p.evaluate(at=survey.due.subtract(microseconds=1)) == ()
    (sent,) = p.evaluate(at=survey.due)
    assert sent.at == survey.due
