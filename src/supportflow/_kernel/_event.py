"""The base of every event an aggregate records in its history."""

# No postponed annotations: hosts subclass Event, and the inherited fields must resolve
# wherever they do (this class reports supportflow.events as its module).
from typing import ClassVar

import attrs
import pendulum

from ._serde import instant_field
from ._time import to_datetime

__all__ = ["Event"]


@attrs.frozen(kw_only=True)
class Event:
    """An immutable fact in an aggregate's history.

    ``at_us`` is the instant it happened, in microseconds since the Unix epoch (UTC);
    :attr:`at` gives the same instant as a ``pendulum.DateTime``. ``name`` is the
    stable name used in serialized data (``"ticket_opened"``).
    """

    name: ClassVar[str] = "event"

    at_us: int = instant_field()

    @property
    def at(self) -> pendulum.DateTime:
        """The instant of the event, in UTC."""
        return to_datetime(self.at_us)
