"""What a ticket's SLA clocks show: its state, each clock and its status, and how a
target sets its deadline (``supportflow.sla``)."""

from __future__ import annotations

from ._kernel._public import publish
from ._sla._clock import SLAClock, SLAStatus
from ._sla._policy import MAX_TARGET_DAYS, TargetKind
from ._sla._state import SLAState, SLAVersionMode
from ._sla._versions import sla_versions_needed

__all__ = [
    "MAX_TARGET_DAYS",
    "SLAClock",
    "SLAState",
    "SLAStatus",
    "SLAVersionMode",
    "TargetKind",
    "sla_versions_needed",
]

publish(globals(), __all__)
