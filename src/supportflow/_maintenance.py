"""Scheduled maintenance: scheduled -> in_progress -> verifying -> completed, or cancelled.

Customers hear about a maintenance window before it starts: one notice per lead
time (default 72 h, 24 h and 1 h before the start). The host asks
:meth:`Maintenance.next_deadline` when to wake up and calls :meth:`Maintenance.evaluate`
then; evaluate emits every notice due by then, each stamped at its exact due instant
and each once, so evaluating late gives the same history as evaluating on time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import ClassVar, Final, TypeVar

import attrs
import pendulum

from ._errors import InvalidArgument
from ._events import Event
from ._lifecycle import Lifecycle
from ._proactive import ProactiveAggregate, require_ids, require_text, transition
from ._serde import Codec, Migrations, instant_field
from ._time import (
    duration_us,
    format_instant,
    instant_us,
    to_datetime,
    to_duration,
)

__all__ = [
    "MAINTENANCE_LIFECYCLE",
    "Maintenance",
    "MaintenanceCancelled",
    "MaintenanceCompleted",
    "MaintenanceNotice",
    "MaintenanceNoticeSent",
    "MaintenanceScheduled",
    "MaintenanceStarted",
    "MaintenanceVerifying",
]

MAINTENANCE_LIFECYCLE: Final = Lifecycle.define(
    "maintenance",
    states=["scheduled", "in_progress", "verifying", "completed", "cancelled"],
    transitions=[
        {"trigger": "send_notice", "source": "scheduled", "dest": None},
        {"trigger": "start", "source": "scheduled", "dest": "in_progress"},
        {"trigger": "verify", "source": "in_progress", "dest": "verifying"},
        {"trigger": "complete", "source": "verifying", "dest": "completed"},
        {"trigger": "cancel", "source": "scheduled", "dest": "cancelled"},
    ],
    initial="scheduled",
)

DEFAULT_LEAD_TIMES: Final = (timedelta(hours=72), timedelta(hours=24), timedelta(hours=1))


@attrs.frozen(kw_only=True)
class MaintenanceNotice:
    """One planned notice: sent ``lead_us`` before the start, due at ``due_us``.

    A lead time whose instant had already passed when the maintenance was scheduled
    is due at the scheduling instant instead (several such collapse into one).
    """

    lead_us: int
    due_us: int = instant_field()

    @property
    def lead(self) -> pendulum.Duration:
        """How long before the start this notice is meant to go out."""
        return to_duration(self.lead_us)

    @property
    def due(self) -> pendulum.DateTime:
        """When the notice is due, in UTC."""
        return to_datetime(self.due_us)


@attrs.frozen(kw_only=True)
class MaintenanceScheduled(Event):
    """A maintenance window was announced internally and its notices planned."""

    name: ClassVar[str] = "maintenance_scheduled"

    maintenance_id: str
    title: str
    starts_at_us: int = instant_field()
    ends_at_us: int = instant_field()
    components: tuple[str, ...]
    customers: tuple[str, ...]
    lead_times_us: tuple[int, ...]


@attrs.frozen(kw_only=True)
class MaintenanceNoticeSent(Event):
    """A notice went out to the affected customers (stamped at its due instant)."""

    name: ClassVar[str] = "maintenance_notice_sent"

    lead_us: int


@attrs.frozen(kw_only=True)
class MaintenanceStarted(Event):
    """Work began."""

    name: ClassVar[str] = "maintenance_started"

    body: str | None = None


@attrs.frozen(kw_only=True)
class MaintenanceVerifying(Event):
    """Work is done and being verified."""

    name: ClassVar[str] = "maintenance_verifying"

    body: str | None = None


@attrs.frozen(kw_only=True)
class MaintenanceCompleted(Event):
    """Verification passed: the maintenance is over."""

    name: ClassVar[str] = "maintenance_completed"

    body: str | None = None


@attrs.frozen(kw_only=True)
class MaintenanceCancelled(Event):
    """The maintenance was called off before it started."""

    name: ClassVar[str] = "maintenance_cancelled"

    reason: str
    notify: bool


_E = TypeVar("_E", MaintenanceStarted, MaintenanceVerifying, MaintenanceCompleted)


def plan_notices(
    scheduled_us: int, starts_us: int, lead_times_us: Iterable[int]
) -> tuple[MaintenanceNotice, ...]:
    """The notices for a window starting at ``starts_us``, planned at ``scheduled_us``.

    Sorted by due instant. Lead times already past at planning are due at planning,
    kept once (the shortest of them: the most precise about the start).
    """
    notices: list[MaintenanceNotice] = []
    missed: int | None = None
    for lead in sorted(set(lead_times_us), reverse=True):
        due = starts_us - lead
        if due < scheduled_us:
            missed = lead
        else:
            notices.append(MaintenanceNotice(lead_us=lead, due_us=due))
    if missed is not None:
        notices.append(MaintenanceNotice(lead_us=missed, due_us=scheduled_us))
    notices.sort(key=lambda n: (n.due_us, -n.lead_us))
    return tuple(notices)


class Maintenance(ProactiveAggregate):
    """A scheduled maintenance window with its notices (event-sourced, see the module doc)."""

    __slots__ = (
        "_components",
        "_customers",
        "_ends_us",
        "_notices",
        "_scheduled_us",
        "_sent",
        "_starts_us",
        "_title",
    )

    kind: ClassVar[str] = "maintenance"
    lifecycle: ClassVar[Lifecycle] = MAINTENANCE_LIFECYCLE
    created_event: ClassVar[type[Event]] = MaintenanceScheduled

    def _reset(self) -> None:
        super()._reset()
        self._title = ""
        self._components: tuple[str, ...] = ()
        self._customers: tuple[str, ...] = ()
        self._scheduled_us = 0
        self._starts_us = 0
        self._ends_us = 0
        self._notices: tuple[MaintenanceNotice, ...] = ()
        self._sent: tuple[int, ...] = ()

    # -- commands -------------------------------------------------------------------

    @classmethod
    def schedule(
        cls,
        maintenance_id: str,
        *,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        customers: Iterable[str],
        components: Iterable[str] = (),
        lead_times: Iterable[timedelta] = DEFAULT_LEAD_TIMES,
        at: datetime | None = None,
    ) -> Maintenance:
        """Schedule a window ``[starts_at, ends_at)`` for the affected ``customers``.

        ``lead_times`` are how long before the start each notice goes out (negative
        refused; zero means at the start). Raises :class:`InvalidArgument` for an
        empty audience, a window that ends before it starts or starts in the past.
        """
        obj = cls._blank()
        when = obj._when(at)
        require_text(maintenance_id, "maintenance_id")
        require_text(title, "title")
        starts = instant_us(starts_at, "starts_at")
        ends = instant_us(ends_at, "ends_at")
        if ends <= starts:
            raise InvalidArgument(
                f"ends_at ({format_instant(ends)}) must be after "
                f"starts_at ({format_instant(starts)})"
            )
        if starts < when:
            raise InvalidArgument(
                f"starts_at ({format_instant(starts)}) is before the scheduling instant "
                f"({format_instant(when)}): schedule maintenance ahead of time"
            )
        audience = require_ids(customers, "customers")
        if not audience:
            raise InvalidArgument(
                f"maintenance {maintenance_id} has no customers to notify: pass customers=[...]"
            )
        if isinstance(lead_times, timedelta):
            raise InvalidArgument(
                "lead_times must be an iterable of durations, e.g. [timedelta(hours=24)]"
            )
        leads = tuple(
            sorted({duration_us(lead, "lead_times") for lead in lead_times}, reverse=True)
        )
        obj._apply(
            MaintenanceScheduled(
                at_us=when,
                maintenance_id=maintenance_id,
                title=title,
                starts_at_us=starts,
                ends_at_us=ends,
                components=require_ids(components, "components"),
                customers=audience,
                lead_times_us=leads,
            )
        )
        return obj

    def evaluate(self, *, at: datetime | None = None) -> tuple[Event, ...]:
        """Emit every notice due at or before ``at``, once each, stamped at its due instant.

        Idempotent: evaluating again changes nothing; evaluating at t1 then t2 gives
        the history of a single evaluation at t2. Nothing happens outside ``scheduled``.
        """
        when = self._when(at)
        if self._state != "scheduled":
            return ()
        sent = set(self._sent)
        due = [
            MaintenanceNoticeSent(at_us=notice.due_us, lead_us=notice.lead_us)
            for notice in self._notices
            if notice.due_us <= when and notice.lead_us not in sent
        ]
        return self._apply_all(due)

    def start(self, *, body: str | None = None, at: datetime | None = None) -> MaintenanceStarted:
        """Work begins (notices not yet sent are dropped: call evaluate first if they are due)."""
        return self._simple("start", MaintenanceStarted, body, at)

    def verify(
        self, *, body: str | None = None, at: datetime | None = None
    ) -> MaintenanceVerifying:
        """Work is done; verification starts."""
        return self._simple("verify", MaintenanceVerifying, body, at)

    def complete(
        self, *, body: str | None = None, at: datetime | None = None
    ) -> MaintenanceCompleted:
        """Verification passed: the maintenance is completed."""
        return self._simple("complete", MaintenanceCompleted, body, at)

    def cancel(self, reason: str, *, at: datetime | None = None) -> MaintenanceCancelled:
        """Call the maintenance off before it starts.

        The event's ``notify`` says whether customers already heard of it (a notice
        was sent) and so must hear of the cancellation.
        """
        when = self._when(at)
        self._target("cancel")
        require_text(reason, "reason")
        event = MaintenanceCancelled(at_us=when, reason=reason, notify=bool(self._sent))
        self._apply(event)
        return event

    def _simple(self, trigger: str, cls: type[_E], body: str | None, at: datetime | None) -> _E:
        when = self._when(at)
        self._target(trigger)
        if body is not None:
            require_text(body, "body")
        event = cls(at_us=when, body=body)
        self._apply(event)
        return event

    # -- queries --------------------------------------------------------------------

    def next_notice_us(self) -> int | None:
        """While scheduled, when the next notice is due (what :meth:`evaluate` sends);
        None once all went out."""
        if self._state != "scheduled":
            return None
        sent = set(self._sent)
        for notice in self._notices:
            if notice.lead_us not in sent:
                return notice.due_us
        return None

    def next_deadline_us(self) -> int | None:
        """Integer twin of :meth:`next_deadline`."""
        if self._state != "scheduled":
            return None
        notice = self.next_notice_us()
        return self._starts_us if notice is None else notice

    def next_deadline(self) -> pendulum.DateTime | None:
        """While scheduled: the next notice due, or the planned start once all went out."""
        us = self.next_deadline_us()
        return None if us is None else to_datetime(us)

    @property
    def status(self) -> str:
        """``scheduled``, ``in_progress``, ``verifying``, ``completed`` or ``cancelled``."""
        return self._state

    @property
    def title(self) -> str:
        """What the maintenance is about, as customers see it."""
        return self._title

    @property
    def components(self) -> tuple[str, ...]:
        """The affected components."""
        return self._components

    @property
    def customers(self) -> tuple[str, ...]:
        """The customers notified about it."""
        return self._customers

    @property
    def starts_at(self) -> pendulum.DateTime:
        """Planned start."""
        return to_datetime(self._starts_us)

    @property
    def ends_at(self) -> pendulum.DateTime:
        """Planned end."""
        return to_datetime(self._ends_us)

    @property
    def notices(self) -> tuple[MaintenanceNotice, ...]:
        """Every planned notice, sorted by due instant."""
        return self._notices

    @property
    def notices_sent(self) -> tuple[MaintenanceNotice, ...]:
        """The notices already sent, in the order they went out."""
        by_lead = {notice.lead_us: notice for notice in self._notices}
        return tuple(by_lead[lead] for lead in self._sent)

    @property
    def lead_times(self) -> tuple[pendulum.Duration, ...]:
        """The configured lead times, longest first."""
        created = self._history[0]
        assert isinstance(created, MaintenanceScheduled)
        return tuple(to_duration(lead) for lead in created.lead_times_us)

    # -- event application ----------------------------------------------------------

    def _on_scheduled(self, event: MaintenanceScheduled) -> None:
        self._id = event.maintenance_id
        self._title = event.title
        self._components = event.components
        self._customers = event.customers
        self._scheduled_us = event.at_us
        self._starts_us = event.starts_at_us
        self._ends_us = event.ends_at_us
        self._notices = plan_notices(event.at_us, event.starts_at_us, event.lead_times_us)

    def _on_notice(self, event: MaintenanceNoticeSent) -> None:
        self._target("send_notice")
        if event.lead_us in self._sent or all(n.lead_us != event.lead_us for n in self._notices):
            raise InvalidArgument(f"notice {event.lead_us} us is not due for {self._id}")
        self._sent = (*self._sent, event.lead_us)


Maintenance.handlers = {
    MaintenanceScheduled: Maintenance._on_scheduled,
    MaintenanceNoticeSent: Maintenance._on_notice,
    MaintenanceStarted: transition("start"),
    MaintenanceVerifying: transition("verify"),
    MaintenanceCompleted: transition("complete"),
    MaintenanceCancelled: transition("cancel"),
}
Maintenance.codec = Codec(
    [
        MaintenanceScheduled,
        MaintenanceNoticeSent,
        MaintenanceStarted,
        MaintenanceVerifying,
        MaintenanceCompleted,
        MaintenanceCancelled,
    ]
)
Maintenance.migrations = Migrations("maintenance", 1)
