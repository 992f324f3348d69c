"""Escalation beyond the rules (``supportflow.escalation``): the bases of conditions and
actions, what a policy reports as due, and its versions."""

from __future__ import annotations

from ._escalation._policy import Condition, DueEscalation, EscalationAction
from ._escalation._versions import escalation_versions_needed
from ._kernel._public import publish
from ._tickets._tiers import EscalationVersionMode

__all__ = [
    "Condition",
    "DueEscalation",
    "EscalationAction",
    "EscalationVersionMode",
    "escalation_versions_needed",
]

publish(globals(), __all__)
