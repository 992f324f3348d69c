"""Typical host code for proactive support, type-checked with mypy --strict."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pendulum

from supportflow import (
    Channel,
    FeedbackProgram,
    Incident,
    IncidentImpact,
    Maintenance,
    ProactiveCase,
    ResponseTemplate,
    Signal,
    Ticket,
)
from supportflow.proactive import IncidentResolution, SurveyResponse

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def wake_up_at(maintenance: Maintenance) -> pendulum.DateTime | None:
    maintenance.evaluate(at=NOW)
    return maintenance.next_deadline()


def answer_with_problem(case: ProactiveCase) -> Ticket:
    return case.report_problem("acme", ticket_id="T-1", body="It broke", at=NOW)


def close_incident(incident: Incident, tickets: list[Ticket]) -> tuple[str, ...]:
    template = ResponseTemplate("resolved", "Incident {incident.id} is resolved.")
    result: IncidentResolution = incident.resolve(
        "Fixed", tickets=tickets, template=template, agent="bot", at=NOW
    )
    return result.solved


def record(program: FeedbackProgram, survey_id: str) -> SurveyResponse:
    return program.record_response(survey_id, 9, channel=Channel.IN_APP, at=NOW)


def start_outreach() -> ProactiveCase:
    case = ProactiveCase.detect("PC-1", signal=Signal.RENEWAL, summary="Renewal", at=NOW)
    case.plan(message="Renew?", channel=Channel.EMAIL, answer_within=timedelta(days=2), at=NOW)
    return case


def declare() -> Incident:
    return Incident.declare(
        "INC-1", title="Down", body="Looking", impact=IncidentImpact.MAJOR, notify=False, at=NOW
    )
