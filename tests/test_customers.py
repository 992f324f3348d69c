"""Customer profiles: identities, one timeline across channels, phases, health and documents."""

from __future__ import annotations

import json
from datetime import timedelta

import pendulum
import pytest

from supportflow import InvalidArgument, InvalidTransition, InvalidType, SchemaError
from supportflow._customers._customer import (
    Customer,
    HealthLevel,
    HealthRules,
    LifecyclePhase,
    TimelineKind,
    assess_health,
    find_customer,
    open_health_case,
)
from supportflow._kernel._time import instant_us
from supportflow._proactive._feedback import FeedbackProgram, SurveyKind, SurveyResponse
from supportflow._proactive._incidents import Incident, IncidentImpact
from supportflow._proactive._outreach import ProactiveCase, Signal
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")


def ada(**kwargs: object) -> Customer:
    options: dict[str, object] = {
        "name": "Ada",
        "segment": "smb",
        "phase": LifecyclePhase.USING,
        "identities": {Channel.EMAIL: " Ada@Example.COM ", Channel.PHONE: "+33 1 23 45 67 89"},
        "at": T0,
    }
    options.update(kwargs)
    return Customer.register("C-1", **options)  # type: ignore[arg-type]


def snapshot(c: Customer) -> str:
    return json.dumps(c.to_dict(), sort_keys=True)


def solved_ticket(ticket_id: str, start: pendulum.DateTime, *, reopen: bool = False) -> Ticket:
    t = Ticket.open(
        ticket_id,
        customer_id="C-1",
        subject=f"Problem {ticket_id}",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.LIVE_CHAT,
        at=start,
    )
    t.assign("ana", at=start.add(minutes=1))
    t.reply("ana", "try this", at=start.add(minutes=2))
    t.solve("fixed", at=start.add(minutes=3))
    if reopen:
        t.customer_message("still broken", at=start.add(minutes=4))
    return t


def answer(kind: SurveyKind, score: int, *, day: int = 1, survey_id: str = "S-1") -> SurveyResponse:
    low, high = (0, 10) if kind is SurveyKind.NPS else (1, 5)
    return SurveyResponse(
        survey_id=survey_id,
        kind=kind,
        customer_id="C-1",
        ticket_id=None,
        score=score,
        scale_min=low,
        scale_max=high,
        method="satisfaction",
        channel=Channel.EMAIL,
        comment=None,
        at_us=instant_us(T0.add(days=day)),
    )


# -- identities -----------------------------------------------------------------------------


def test_identities_per_channel_are_normalised_and_found() -> None:
    c = ada()
    assert c.identities_on(Channel.EMAIL) == ("ada@example.com",)
    assert c.has_identity(Channel.EMAIL, "ADA@example.com")
    assert not c.has_identity(Channel.SOCIAL, "@ada")
    c.add_identity(Channel.SOCIAL, "@AdaL", at=T0.add(minutes=1))
    c.add_identity(Channel.EMAIL, "ada@work.example", at=T0.add(minutes=2))
    assert c.identities_on(Channel.EMAIL) == ("ada@example.com", "ada@work.example")
    assert c.identities_on(Channel.SOCIAL) == ("@AdaL",)  # handles keep their case
    other = Customer.register("C-2", identities=[(Channel.SMS, "+1 555")], at=T0, phase="learning")
    assert find_customer([other, c], Channel.SOCIAL, "@AdaL") is c
    assert find_customer([other, c], Channel.PHONE, "nobody") is None
    c.remove_identity(Channel.EMAIL, "ada@work.example", at=T0.add(minutes=3))
    assert c.identities_on(Channel.EMAIL) == ("ada@example.com",)


def test_an_identity_already_held_is_an_error_and_changes_nothing() -> None:
    c = ada()
    before = snapshot(c)
    with pytest.raises(InvalidArgument, match=r"already has identity email:ada@example\.com"):
        c.add_identity(Channel.EMAIL, "ADA@example.com", at=T0.add(minutes=1))
    with pytest.raises(InvalidArgument, match="no identity"):
        c.remove_identity(Channel.SMS, "+1", at=T0.add(minutes=1))
    with pytest.raises(InvalidArgument, match="channel must be one of"):
        c.add_identity("pigeon", "coo", at=T0.add(minutes=1))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="given twice"):
        Customer.register(
            "C-9",
            identities=[(Channel.EMAIL, "a@b.c"), (Channel.EMAIL, "A@B.C")],
            at=T0,
            phase="learning",
        )
    assert snapshot(c) == before


# -- lifecycle phase ------------------------------------------------------------------------


def test_phase_moves_along_the_customer_lifecycle_with_its_history() -> None:
    c = Customer.register("C-1", at=T0, phase="learning")
    assert c.phase is LifecyclePhase.LEARNING
    c.change_phase(LifecyclePhase.BUYING, at=T0.add(days=1))
    c.change_phase(LifecyclePhase.USING, reason="onboarded", at=T0.add(days=2))
    c.churn(reason="moved to a competitor", at=T0.add(days=10))
    c.change_phase(LifecyclePhase.BUYING, reason="win-back offer", at=T0.add(days=20))
    assert [(p.phase, p.at, p.reason) for p in c.phase_history] == [
        (LifecyclePhase.LEARNING, T0, None),
        (LifecyclePhase.BUYING, T0.add(days=1), None),
        (LifecyclePhase.USING, T0.add(days=2), "onboarded"),
        (LifecyclePhase.CHURNED, T0.add(days=10), "moved to a competitor"),
        (LifecyclePhase.BUYING, T0.add(days=20), "win-back offer"),
    ]
    assert c.phase_at(T0.add(days=5)) is LifecyclePhase.USING
    assert c.phase_at(T0.subtract(seconds=1)) is None
    assert c.to_dict()["status"] == "buying"


def test_a_prospect_cannot_churn_and_the_error_names_the_allowed_moves() -> None:
    c = Customer.register("C-1", at=T0, phase="learning")
    with pytest.raises(InvalidTransition, match=r"allowed now: .*buy.*use") as info:
        c.churn(reason="never bought", at=T0.add(days=1))
    assert info.value.state == "learning"
    with pytest.raises(InvalidArgument, match="reason"):
        ada().churn(reason="  ", at=T0.add(days=1))
    with pytest.raises(InvalidArgument, match="phase must be one of"):
        c.change_phase("asleep", at=T0)  # type: ignore[arg-type]
    assert c.version == 1


def test_segment_changes_and_commands_cannot_go_back_in_time() -> None:
    c = ada()
    c.change_segment("enterprise", at=T0.add(days=1))
    assert c.segment == "enterprise"
    with pytest.raises(InvalidArgument, match="already in segment"):
        c.change_segment("enterprise", at=T0.add(days=2))
    with pytest.raises(InvalidArgument, match="cannot go back in time"):
        c.change_segment(None, at=T0)


# -- the timeline ---------------------------------------------------------------------------


def test_record_ticket_adds_only_what_is_new_in_the_order_it_happened() -> None:
    c = ada()
    t = solved_ticket("T-1", T0.add(hours=1))
    events = c.record_ticket(t, at=T0.add(hours=2))
    assert [e.kind for e in events] == [TimelineKind.TICKET_OPENED, TimelineKind.TICKET_SOLVED]
    assert c.record_ticket(t, at=T0.add(hours=2)) == ()
    t.customer_message("it broke again", at=T0.add(hours=3))
    t.reply("ana", "sorry", at=T0.add(hours=3, minutes=5))
    t.solve("really fixed", at=T0.add(hours=4))
    t.confirm(at=T0.add(hours=5))
    new = c.record_ticket(t, at=T0.add(hours=6))
    assert [(e.kind, e.occurred_at) for e in new] == [
        (TimelineKind.TICKET_REOPENED, T0.add(hours=3)),
        (TimelineKind.TICKET_SOLVED, T0.add(hours=4)),
        (TimelineKind.TICKET_CLOSED, T0.add(hours=5)),
    ]
    opened = c.timeline[0]
    assert (opened.reference_id, opened.channel, opened.detail, opened.at) == (
        "T-1",
        Channel.LIVE_CHAT,
        "Problem T-1",
        T0.add(hours=1),
    )
    assert c.ticket_ids() == ("T-1",)


def test_another_customers_ticket_is_refused() -> None:
    c = ada()
    t = Ticket.open(
        "T-9", customer_id="C-2", subject="x", topic=Topic.BILLING, channel=Channel.SMS, at=T0
    )
    with pytest.raises(InvalidArgument, match="belongs to customer C-2"):
        c.record_ticket(t, at=T0)
    assert c.version == 3  # registered + two identities


def test_one_timeline_across_tickets_outreach_incidents_and_surveys() -> None:
    c = ada()
    c.record_ticket(solved_ticket("T-1", T0.add(hours=1)), at=T0.add(hours=2))
    case = ProactiveCase.detect(
        "P-1", signal=Signal.PLANNED_CHANGE, summary="New billing page", customers=["C-1"], at=T0
    )
    case.plan(message="Heads up", channel=Channel.EMAIL, at=T0.add(hours=2))
    case.notify(at=T0.add(hours=3))
    c.record_outreach(case, at=T0.add(hours=3))
    case.acknowledge("C-1", at=T0.add(hours=5))
    (acknowledged,) = c.record_outreach(case, at=T0.add(hours=6))
    assert acknowledged.detail == "acknowledged"
    assert c.record_outreach(case, at=T0.add(hours=6)) == ()
    incident = Incident.declare(
        "INC-1",
        title="API down",
        body="Investigating",
        impact=IncidentImpact.MAJOR,
        customers=["C-1"],
        at=T0.add(hours=7),
    )
    c.record_incident(incident, at=T0.add(hours=7))
    c.record_survey_response(answer(SurveyKind.CSAT, 5), at=T0.add(days=1))
    assert c.record_survey_response(answer(SurveyKind.CSAT, 5), at=T0.add(days=1)) is None
    kinds = [(e.kind, e.channel) for e in c.timeline]
    assert kinds == [
        (TimelineKind.TICKET_OPENED, Channel.LIVE_CHAT),
        (TimelineKind.TICKET_SOLVED, Channel.LIVE_CHAT),
        (TimelineKind.OUTREACH_NOTIFIED, Channel.EMAIL),
        (TimelineKind.OUTREACH_ANSWERED, Channel.EMAIL),
        (TimelineKind.INCIDENT_AFFECTED, None),
        (TimelineKind.SURVEY_ANSWERED, Channel.EMAIL),
    ]
    (record,) = c.satisfaction_history
    assert (record.kind, record.score, record.scale_max) == ("csat", 5, 5)
    outsider = ProactiveCase.detect(
        "P-2", signal=Signal.RENEWAL, summary="Renew", customers=["C-2"], at=T0
    )
    with pytest.raises(InvalidArgument, match="not in proactive case P-2"):
        c.record_outreach(outsider, at=T0.add(days=2))


def test_survey_answers_from_a_real_feedback_program() -> None:
    c = ada()
    program = FeedbackProgram.create("FB", csat_delay=timedelta(0), nps_every=None, at=T0)
    program.schedule_csat("T-1", customer_id="C-1", at=T0)
    program.evaluate(at=T0.add(minutes=1))
    response = program.record_response("FB-1", 2, channel=Channel.SMS, at=T0.add(minutes=5))
    event = c.record_survey_response(response, at=T0.add(minutes=6))
    assert event is not None
    assert c.satisfaction_history[0].ticket_id == "T-1"
    other = attrs_evolve(response, customer_id="C-2")
    with pytest.raises(InvalidArgument, match="answered by C-2"):
        c.record_survey_response(other, at=T0.add(minutes=7))


def attrs_evolve(response: SurveyResponse, **changes: object) -> SurveyResponse:
    import attrs

    return attrs.evolve(response, **changes)  # type: ignore[arg-type]


def test_usage_drop_signals_are_validated() -> None:
    c = ada()
    c.record_usage_drop(45, measure="weekly logins", at=T0.add(days=1))
    assert c.timeline[-1].detail == "weekly logins -45%"
    with pytest.raises(InvalidArgument, match=r"\(0, 100\]"):
        c.record_usage_drop(0, at=T0.add(days=1))
    with pytest.raises(InvalidType):
        c.record_usage_drop("a lot", at=T0.add(days=1))  # type: ignore[arg-type]


# -- documents ------------------------------------------------------------------------------


def busy_customer() -> Customer:
    c = ada()
    c.record_ticket(solved_ticket("T-1", T0.add(hours=1), reopen=True), at=T0.add(hours=2))
    c.record_survey_response(answer(SurveyKind.NPS, 3), at=T0.add(days=1))
    c.record_usage_drop(12.5, at=T0.add(days=2))
    c.churn(reason="budget", at=T0.add(days=3))
    return c


def test_round_trip_and_replay_rebuild_an_equal_customer() -> None:
    c = busy_customer()
    data = json.loads(json.dumps(c.to_dict()))
    assert data["type"] == "customer"
    assert data["schema"] == 1
    assert data["version"] == c.version
    loaded = Customer.from_dict(data)
    assert loaded == c
    assert loaded.timeline == c.timeline
    assert Customer.replay(c.history) == c


def test_a_bad_document_names_the_bad_field() -> None:
    data = busy_customer().to_dict()
    data["history"][1]["channel"] = "pigeon"
    with pytest.raises(SchemaError) as info:
        Customer.from_dict(data)
    assert info.value.path == "history[1].channel"


# -- health ---------------------------------------------------------------------------------


def test_a_quiet_customer_is_healthy_and_opens_no_case() -> None:
    c = ada()
    assessment = assess_health(c, at=T0.add(days=1))
    assert (assessment.score, assessment.level, assessment.reasons) == (
        100,
        HealthLevel.HEALTHY,
        (),
    )
    assert open_health_case(c, assessment, case_id="H-1") is None


def test_each_rule_fires_with_its_weight_and_reason() -> None:
    c = ada()
    for number in range(2):
        c.record_ticket(
            solved_ticket(f"T-{number}", T0.add(days=number), reopen=True),
            at=T0.add(days=number, hours=1),
        )
    c.record_survey_response(answer(SurveyKind.CSAT, 2, day=3), at=T0.add(days=3))
    c.record_survey_response(answer(SurveyKind.NPS, 6, day=4, survey_id="S-2"), at=T0.add(days=4))
    c.record_usage_drop(35, measure="seats used", at=T0.add(days=5))
    assessment = assess_health(c, at=T0.add(days=6))
    assert [(r.rule, r.weight) for r in assessment.reasons] == [
        ("low_csat", 25),
        ("detractor", 20),
        ("reopen_streak", 25),
        ("usage_drop", 30),
    ]
    assert assessment.score == 0
    assert assessment.level is HealthLevel.HIGH_RISK
    assert "seats used fell by 35%" in assessment.reasons[-1].detail
    # Outside the window nothing counts any more.
    later = assess_health(c, at=T0.add(days=200))
    assert later.level is HealthLevel.HEALTHY


def test_one_rule_means_at_risk_and_the_thresholds_are_configurable() -> None:
    c = ada()
    c.record_usage_drop(30, at=T0.add(days=1))
    assert assess_health(c, at=T0.add(days=2)).level is HealthLevel.AT_RISK
    lenient = HealthRules(usage_drop_percent=50)
    assert assess_health(c, lenient, at=T0.add(days=2)).level is HealthLevel.HEALTHY
    off = HealthRules(usage_drop_weight=0)
    assert assess_health(c, off, at=T0.add(days=2)).reasons == ()
    with pytest.raises(InvalidArgument, match="high_risk_at_most"):
        HealthRules(at_risk_at_most=40, high_risk_at_most=60)
    with pytest.raises(InvalidArgument, match="window"):
        HealthRules(window=timedelta(0))
    with pytest.raises(InvalidType):
        HealthRules(max_breaches=1.5)  # type: ignore[arg-type]


def test_a_reopen_streak_is_broken_by_a_clean_ticket() -> None:
    c = ada()
    c.record_ticket(solved_ticket("T-1", T0, reopen=True), at=T0.add(hours=1))
    c.record_ticket(solved_ticket("T-2", T0.add(days=1), reopen=True), at=T0.add(days=1, hours=1))
    c.record_ticket(solved_ticket("T-3", T0.add(days=2)), at=T0.add(days=2, hours=1))
    rules = HealthRules(reopen_streak=2)
    assert assess_health(c, rules, at=T0.add(days=3)).reasons == ()
    at_day_two = assess_health(c, rules, at=T0.add(days=1, hours=2))
    assert [r.rule for r in at_day_two.reasons] == ["reopen_streak"]


def test_an_at_risk_customer_gets_a_proactive_case() -> None:
    c = ada()
    c.record_usage_drop(60, measure="logins", at=T0.add(days=1))
    assessment = assess_health(c, at=T0.add(days=2))
    case = open_health_case(c, assessment, case_id="H-1")
    assert case is not None
    assert (case.signal, case.customers, case.updated_at) == (
        Signal.USAGE_DROP,
        ("C-1",),
        T0.add(days=2),
    )
    assert "logins fell by 60%" in case.summary
    c.record_survey_response(answer(SurveyKind.CSAT, 1, day=2), at=T0.add(days=2))
    worse = assess_health(c, at=T0.add(days=3))
    second = open_health_case(c, worse, case_id="H-2", at=T0.add(days=3))
    assert second is not None
    assert second.signal is Signal.HEALTH_RISK
    with pytest.raises(InvalidArgument, match="assessment is for customer C-1"):
        open_health_case(Customer.register("C-2", at=T0, phase="learning"), worse, case_id="H-3")


def test_a_churned_customer_is_churned_whatever_the_score() -> None:
    c = busy_customer()
    assert assess_health(c, at=T0.add(days=4)).level is HealthLevel.CHURNED
    assert open_health_case(c, assess_health(c, at=T0.add(days=4)), case_id="H") is None


def test_a_source_gives_its_once_only_facts_once_on_a_loaded_timeline() -> None:
    c = ada()
    case = ProactiveCase.detect(
        "P-1", signal=Signal.PLANNED_CHANGE, summary="New billing page", customers=["C-1"], at=T0
    )
    case.plan(message="Heads up", channel=Channel.EMAIL, at=T0.add(hours=2))
    case.notify(at=T0.add(hours=3))
    c.record_outreach(case, at=T0.add(hours=3))
    document = c.to_dict()
    assert Customer.from_dict(document) == c
    # A second notice of the same case, an hour later: no case notifies a customer twice.
    notified = document["history"][-1]
    again = {**notified, "at": "2026-03-02T13:00:00Z", "occurred_at": "2026-03-02T13:00:00Z"}
    edited = {**document, "history": [*document["history"], again], "version": c.version + 1}
    with pytest.raises(SchemaError, match="gives it once") as refused:
        Customer.from_dict(edited)
    assert refused.value.path == f"history[{c.version}].kind"
