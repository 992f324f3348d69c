"""What a ticket's SLA clocks show: its state, each clock and its status (``supportflow.sla``)."""

from __future__ import annotations

from ._kernel._public import publish
from ._sla._clock import SLAClock, SLAStatus
from ._sla._state import SLAState

__all__ = [
    "SLAClock",
    "SLAState",
    "SLAStatus",
]

publish(globals(), __all__)
