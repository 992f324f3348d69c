"""Typical host code for customer profiles and KPIs, type-checked with mypy --strict."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from supportflow import Channel, Customer, LifecyclePhase, ProactiveCase, Ticket
from supportflow.customers import HealthRules, assess_health, open_health_case
from supportflow.metrics import Dimension, Report, csat, kpi_report, nps
from supportflow.proactive import SurveyResponse

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def sync_profile(customer: Customer, tickets: Sequence[Ticket]) -> int:
    added = 0
    for ticket in tickets:
        added += len(customer.record_ticket(ticket, at=NOW))
    return added


def weekly_health_sweep(customers: Sequence[Customer]) -> list[ProactiveCase]:
    rules = HealthRules(window=timedelta(days=30), usage_drop_percent=25.0)
    cases = []
    for number, customer in enumerate(customers):
        if customer.phase is LifecyclePhase.CHURNED:
            continue
        assessment = assess_health(customer, rules, at=NOW)
        case = open_health_case(customer, assessment, case_id=f"HC-{number}", at=NOW)
        if case is not None:
            cases.append(case)
    return cases


def monthly_report(
    tickets: Sequence[Ticket], answers: Sequence[SurveyResponse], customers: Sequence[Customer]
) -> tuple[str, float | None, float | None]:
    report: Report = kpi_report(
        tickets,
        start=NOW - timedelta(days=30),
        end=NOW,
        responses=answers,
        customers=customers,
        group_by=[Dimension.CHANNEL, "priority"],
    )
    email = report.row(channel=Channel.EMAIL.value, priority="normal")
    rate: float | None = email.first_contact_resolution.percent
    return report.render_text(), rate, csat(answers) if nps(answers) is None else nps(answers)
