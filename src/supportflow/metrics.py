"""KPIs computed from the objects and their report tables (``supportflow.metrics``)."""

from __future__ import annotations

from ._kernel._public import publish
from ._metrics._kpis import (
    CESResult,
    Dimension,
    DurationStats,
    KPIRow,
    NPSCounts,
    Ratio,
    Report,
    ReportTable,
    TicketMilestones,
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
    sla_compliance,
    ticket_milestones,
)

__all__ = [
    "CESResult",
    "Dimension",
    "DurationStats",
    "KPIRow",
    "NPSCounts",
    "Ratio",
    "Report",
    "ReportTable",
    "TicketMilestones",
    "backlog",
    "churn_rate",
    "csat",
    "customer_effort_score",
    "escalation_rate",
    "first_contact_resolution",
    "first_reply_times",
    "kpi_report",
    "nps",
    "reopen_rate",
    "resolution_times",
    "retention_rate",
    "sla_compliance",
    "ticket_milestones",
]

publish(globals(), __all__)
