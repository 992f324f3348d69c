"""Scheduled maintenance: scheduled -> in_progress -> verifying -> completed, or cancelled.

Customers hear about a maintenance window before it starts: one notice per lead
time (default 72 h, 24 h and 1 h before the start). The host asks
:meth:`Maintenance.next_deadline` when to wake up and calls :meth:`Maintenance.evaluate`
then; evaluate emits every notice due by then, each stamped at its exact due instant
and each once, so evaluating late gives the same history as evaluating on time.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import ClassVar, Final, TypeVar

import attrs
import pendulum

from .._kernel._errors import InvalidArgument
from .._kernel._event import Event
from .._kernel._lifecycle import Lifecycle
from .._kernel._serde import Codec, Migrations, instant_field, renamed_events
from .._kernel._time import (
    EARLIEST_US,
    LATEST_US,
    bounded_duration_us,
    duration_us,
    format_instant,
    instant_us,
    to_datetime,
    to_duration,
)
from ._base import (
    Handler,
    ProactiveAggregate,
    check_ids,
    optional_text,
    require_flag,
    require_ids,
    require_text,
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
    "MaintenanceStatus",
    "MaintenanceVerificationStarted",
]


class MaintenanceStatus(enum.StrEnum):
    """Where a scheduled maintenance stands."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


MAINTENANCE_LIFECYCLE: Final = Lifecycle.define(
    "maintenance",
    states=[s.value for s in MaintenanceStatus],
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
class MaintenanceVerificationStarted(Event):
    """Work is done and being verified."""

    name: ClassVar[str] = "maintenance_verification_started"

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


_E = TypeVar("_E", MaintenanceStarted, MaintenanceVerificationStarted, MaintenanceCompleted)


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
        if isinstance(lead_times, timedelta):
            raise InvalidArgument(
                "lead_times must be an iterable of durations, e.g. [timedelta(hours=24)]",
                field="lead_times_us",
            )
        leads = {duration_us(lead, "lead_times") for lead in lead_times}
        obj._apply(
            MaintenanceScheduled(
                at_us=obj._when(at),
                maintenance_id=maintenance_id,
                title=title,
                starts_at_us=instant_us(starts_at, "starts_at"),
                ends_at_us=instant_us(ends_at, "ends_at"),
                components=require_ids(components, "components"),
                customers=require_ids(customers, "customers"),
                lead_times_us=tuple(sorted(leads, reverse=True)),
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
        return self._simple(MaintenanceStarted, body, at)

    def verify(
        self, *, body: str | None = None, at: datetime | None = None
    ) -> MaintenanceVerificationStarted:
        """Work is done; verification starts."""
        return self._simple(MaintenanceVerificationStarted, body, at)

    def complete(
        self, *, body: str | None = None, at: datetime | None = None
    ) -> MaintenanceCompleted:
        """Verification passed: the maintenance is completed."""
        return self._simple(MaintenanceCompleted, body, at)

    def cancel(self, reason: str, *, at: datetime | None = None) -> MaintenanceCancelled:
        """Call the maintenance off before it starts.

        The event's ``notify`` says whether customers already heard of it (a notice
        was sent) and so must hear of the cancellation.
        """
        event = MaintenanceCancelled(at_us=self._when(at), reason=reason, notify=bool(self._sent))
        self._apply(event)
        return event

    def _simple(self, cls: type[_E], body: str | None, at: datetime | None) -> _E:
        event = cls(at_us=self._when(at), body=body)
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
    def status(self) -> MaintenanceStatus:
        """The current status."""
        return MaintenanceStatus(self._state)

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
        maintenance_id = require_text(event.maintenance_id, "maintenance_id")
        title = require_text(event.title, "title")
        starts, ends = event.starts_at_us, event.ends_at_us
        for name, us in (("starts_at", starts), ("ends_at", ends)):
            if type(us) is not int or not EARLIEST_US <= us <= LATEST_US:
                raise InvalidArgument(f"{name} is not an instant supportflow records", field=name)
        if ends <= starts:
            raise InvalidArgument(
                f"ends_at ({format_instant(ends)}) must be after "
                f"starts_at ({format_instant(starts)})",
                field="ends_at",
            )
        if starts < event.at_us:
            raise InvalidArgument(
                f"starts_at ({format_instant(starts)}) is before the scheduling instant "
                f"({format_instant(event.at_us)}): schedule maintenance ahead of time",
                field="starts_at",
            )
        components = check_ids(event.components, "components")
        customers = check_ids(event.customers, "customers")
        if not customers:
            raise InvalidArgument(
                f"maintenance {maintenance_id} has no customers to notify: pass customers=[...]",
                field="customers",
            )
        leads = event.lead_times_us
        for lead in leads:
            bounded_duration_us(lead, "lead_times_us")
        if list(leads) != sorted(set(leads), reverse=True):
            raise InvalidArgument(
                "lead_times_us must be distinct and longest first", field="lead_times_us"
            )
        self._id, self._title = maintenance_id, title
        self._components, self._customers = components, customers
        self._scheduled_us = event.at_us
        self._starts_us = starts
        self._ends_us = ends
        self._notices = plan_notices(event.at_us, starts, leads)

    def _check_due(self, event: Event) -> None:
        # evaluate() sends every notice due by its instant at once: after a notice at
        # T, any other notice due by T follows it before anything else.
        if type(event) is not MaintenanceNoticeSent:
            self._check_complete()

    def _check_complete(self) -> None:
        last = self._history[-1]
        if type(last) is not MaintenanceNoticeSent or self._state != "scheduled":
            return
        for notice in self._notices:
            if notice.lead_us not in self._sent and notice.due_us <= last.at_us:
                raise InvalidArgument(
                    f"notice {notice.lead_us!r} µs was due at {format_instant(notice.due_us)} "
                    f"when the notice before it went out, and is not recorded after it: "
                    "evaluate sends every notice due by then at once",
                    field="event",
                )

    def _on_notice(self, event: MaintenanceNoticeSent) -> None:
        self._target("send_notice")
        # evaluate() sends the notices in due order, each stamped at its due instant
        pending = [n for n in self._notices if n.lead_us not in self._sent]
        if not pending or pending[0].lead_us != event.lead_us:
            raise InvalidArgument(
                f"notice {event.lead_us!r} µs is not the next notice due for maintenance "
                f"{self._id}",
                field="lead_us",
            )
        if event.at_us != pending[0].due_us:
            raise InvalidArgument(
                f"the notice is stamped {format_instant(event.at_us)} but is due "
                f"{format_instant(pending[0].due_us)}",
                field="at",
            )
        self._sent = (*self._sent, event.lead_us)


def _worked(trigger: str) -> Handler:
    """The handler of an event that moves along ``trigger`` with an optional body."""

    def apply(self: Maintenance, event: MaintenanceStarted) -> None:
        target = self._target(trigger)
        optional_text(event.body, "body")
        self._state = target

    return apply


def _on_cancelled(self: Maintenance, event: MaintenanceCancelled) -> None:
    target = self._target("cancel")
    require_text(event.reason, "reason")
    if require_flag(event.notify, "notify") is not bool(self._sent):
        raise InvalidArgument(
            "notify says whether a notice went out before the cancellation "
            f"({bool(self._sent)} here)",
            field="notify",
        )
    self._state = target


Maintenance.handlers = {
    MaintenanceScheduled: Maintenance._on_scheduled,
    MaintenanceNoticeSent: Maintenance._on_notice,
    MaintenanceStarted: _worked("start"),
    MaintenanceVerificationStarted: _worked("verify"),
    MaintenanceCompleted: _worked("complete"),
    MaintenanceCancelled: _on_cancelled,
}
Maintenance.codec = Codec(
    [
        MaintenanceScheduled,
        MaintenanceNoticeSent,
        MaintenanceStarted,
        MaintenanceVerificationStarted,
        MaintenanceCompleted,
        MaintenanceCancelled,
    ]
)
# Schema 2 names the start of verification as the others: what happened, in the past.
Maintenance.migrations = Migrations(
    "maintenance",
    2,
    {1: renamed_events({"maintenance_verifying": "maintenance_verification_started"})},
)
