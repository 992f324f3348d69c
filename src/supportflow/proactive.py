"""The values the proactive aggregates hold and return (``supportflow.proactive``)."""

from __future__ import annotations

from ._kernel._public import publish
from ._proactive._feedback import Survey, SurveyResponse, SurveyStatus
from ._proactive._incidents import IncidentResolution, IncidentUpdate, SkippedTicket
from ._proactive._maintenance import MaintenanceNotice
from ._proactive._outreach import Delivery, DeliveryOutcome

__all__ = [
    "Delivery",
    "DeliveryOutcome",
    "IncidentResolution",
    "IncidentUpdate",
    "MaintenanceNotice",
    "SkippedTicket",
    "Survey",
    "SurveyResponse",
    "SurveyStatus",
]

publish(globals(), __all__)
