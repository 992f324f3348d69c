"""Escalation beyond the rules (``supportflow.escalation``): the bases of conditions and
actions, and what a policy reports as due."""

from __future__ import annotations

from ._escalation._policy import Condition, DueEscalation, EscalationAction
from ._kernel._public import publish

__all__ = [
    "Condition",
    "DueEscalation",
    "EscalationAction",
]

publish(globals(), __all__)
