"""Customer properties: random command walks stay atomic, replayable and round-trip exactly."""

from __future__ import annotations

import itertools
import json

import pendulum
from hypothesis import given

from strategies import proactive_command_steps
from supportflow import SupportflowError
from supportflow._customers._customer import Customer, HealthLevel, LifecyclePhase, assess_health
from supportflow._kernel._time import instant_us
from supportflow._proactive._feedback import SurveyKind, SurveyResponse
from supportflow._vocabulary._taxonomy import Channel

T0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
COMMANDS = ("add_identity", "remove_identity", "phase", "segment", "usage", "survey")
PHASES = list(LifecyclePhase)
CHANNELS = [Channel.EMAIL, Channel.PHONE, Channel.SOCIAL]


def run(customer: Customer, command: str, parameter: int, at: pendulum.DateTime) -> None:
    if command in ("add_identity", "remove_identity"):
        channel = CHANNELS[parameter % 3]
        value = f"id-{parameter % 4}"
        if command == "add_identity":
            customer.add_identity(channel, value, at=at)
        else:
            customer.remove_identity(channel, value, at=at)
    elif command == "phase":
        customer.change_phase(PHASES[parameter % 4], reason=f"step {parameter}", at=at)
    elif command == "segment":
        customer.change_segment(None if parameter < 0 else f"tier-{parameter % 3}", at=at)
    elif command == "usage":
        customer.record_usage_drop(parameter * 10, at=at)  # <= 0 is refused
    else:
        survey = SurveyResponse(
            survey_id=f"S-{parameter % 5}",  # repeated ids are ignored
            kind=SurveyKind.CSAT,
            customer_id="C-1",
            ticket_id=None,
            score=max(1, min(5, parameter)),
            scale_min=1,
            scale_max=5,
            method="satisfaction",
            channel=None,
            comment=None,
            at_us=instant_us(at),
        )
        customer.record_survey_response(survey, at=at)


@given(proactive_command_steps(COMMANDS, max_steps=16))
def test_random_walks_are_atomic_replayable_and_round_trip(
    steps: list[tuple[str, int, int]],
) -> None:
    customer = Customer.register("C-1", identities={Channel.EMAIL: "id-0"}, at=T0, phase="learning")
    at = T0
    for command, minutes, parameter in steps:
        at = at.add(minutes=minutes)
        before = json.dumps(customer.to_dict())
        version = customer.version
        try:
            run(customer, command, parameter, at)
        except SupportflowError:
            assert json.dumps(customer.to_dict()) == before
            assert customer.version == version
    assert Customer.replay(customer.history) == customer
    loaded = Customer.from_dict(json.loads(json.dumps(customer.to_dict())))
    assert loaded == customer
    assert loaded.timeline == customer.timeline
    phases = customer.phase_history
    assert phases[-1].phase is customer.phase
    assert all(a.at_us <= b.at_us for a, b in itertools.pairwise(phases))
    assessment = assess_health(customer, at=at)
    assert 0 <= assessment.score <= 100
    assert assessment.score == 100 - sum(r.weight for r in assessment.reasons) or (
        assessment.score == 0
    )
    if customer.phase is LifecyclePhase.CHURNED:
        assert assessment.level is HealthLevel.CHURNED
