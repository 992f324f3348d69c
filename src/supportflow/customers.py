"""Customers' identities, timeline, satisfaction and health (``supportflow.customers``)."""

from __future__ import annotations

from ._customers._customer import (
    CUSTOMER_LIFECYCLE,
    HealthAssessment,
    HealthLevel,
    HealthReason,
    HealthRules,
    Identity,
    PhaseChange,
    SatisfactionRecord,
    TimelineEntry,
    TimelineKind,
    assess_health,
    find_customer,
    open_health_case,
)
from ._kernel._public import publish

__all__ = [
    "CUSTOMER_LIFECYCLE",
    "HealthAssessment",
    "HealthLevel",
    "HealthReason",
    "HealthRules",
    "Identity",
    "PhaseChange",
    "SatisfactionRecord",
    "TimelineEntry",
    "TimelineKind",
    "assess_health",
    "find_customer",
    "open_health_case",
]

publish(globals(), __all__)
