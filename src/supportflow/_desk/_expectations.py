"""Setting expectations: what a customer is told, and whether it came true.

* :class:`Expectation` — a ticket's customer-facing promise at an instant: when the next
  reply is due (from the running first-reply or next-reply clock), whether the team is
  open now, when it opens next and today's hours, in the customer's time zone and the
  calendar's. :meth:`Expectation.placeholders` gives the values of the template
  placeholders (``{expected_reply_by}``, ``{opens_at}``, ``{hours_today}``...). A promise
  that cannot be made is withheld, with the reason, never invented.
* :class:`HoursStatement` — a calendar's opening hours over a range of dates (holidays
  and changed days marked), for a "contact us" page or an auto-reply.
* :func:`kept_promises` — the share of expectations shown to customers that were met,
  per channel and priority.

Values are instants and ``"HH:MM"`` text; localised wording is the host's.
"""

from __future__ import annotations

import datetime as _dt
import zoneinfo
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import attrs
import pendulum

from .._calendars._calendar import BusinessCalendar, _zone
from .._kernel._errors import InvalidArgument, InvalidType
from .._kernel._time import at_us, instant_us, optional_at_us, to_datetime
from .._sla._clock import SLAClock
from .._sla._policy import ClockState, Metric
from .._vocabulary._taxonomy import Channel, Priority
from .._vocabulary._ticket_events import TicketReplied

if TYPE_CHECKING:
    from .._tickets._ticket import Ticket

__all__ = [
    "DayHours",
    "Expectation",
    "HoursStatement",
    "KeptPromises",
    "kept_promises",
]

_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
#: The longest statement of hours, in days: a statement is read by a person.
MAX_STATEMENT_DAYS: Final = 366
_REPLY_METRICS: Final = (Metric.FIRST_REPLY, Metric.NEXT_REPLY)


def _local(us: int, zone: str) -> pendulum.DateTime:
    return to_datetime(us).in_timezone(zone)


def _wall(us: int, zone: str) -> str:
    return f"{_local(us, zone).format('YYYY-MM-DD HH:mm')} ({zone})"


def _hhmm(moment: _dt.datetime, day: _dt.date) -> str:
    if moment.date() > day:
        return "24:00"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _day_bounds(zone: zoneinfo.ZoneInfo, day: _dt.date) -> tuple[int, int]:
    start = _dt.datetime.combine(day, _dt.time(), zone)
    end = _dt.datetime.combine(day + _dt.timedelta(days=1), _dt.time(), zone)
    return instant_us(start), instant_us(end)


def _hours_on(calendar: BusinessCalendar, day: _dt.date) -> tuple[tuple[str, str], ...]:
    zone = zoneinfo.ZoneInfo(calendar.timezone)
    lo, hi = _day_bounds(zone, day)
    hours = []
    for a, b in calendar.intervals_us(lo, hi):
        start = (_EPOCH + _dt.timedelta(microseconds=a)).astimezone(zone)
        end = (_EPOCH + _dt.timedelta(microseconds=b)).astimezone(zone)
        hours.append((_hhmm(start, day), _hhmm(end, day)))
    return tuple(hours)


def _hours_text(hours: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in hours) if hours else "closed"


@attrs.frozen(kw_only=True)
class DayHours:
    """One local date of a :class:`HoursStatement`.

    ``hours`` are the open stretches as ``("HH:MM", "HH:MM")`` in the calendar's zone
    (``"24:00"`` ends at midnight); ``holiday`` marks a date closed as a holiday;
    ``changed`` marks hours that differ from the usual week (a break, a short day).
    """

    date: _dt.date
    hours: tuple[tuple[str, str], ...]
    holiday: bool
    changed: bool

    @property
    def closed(self) -> bool:
        """Whether the team does not open at all that day."""
        return not self.hours

    def text(self) -> str:
        """``"2026-12-24 Thursday: 09:00-12:00 (changed hours)"``, plain English."""
        note = " (holiday)" if self.holiday else " (changed hours)" if self.changed else ""
        return (
            f"{self.date.isoformat()} {self.date.strftime('%A')}: {_hours_text(self.hours)}{note}"
        )


@attrs.frozen(init=False)
class HoursStatement:
    """A calendar's opening hours from ``start`` to ``end`` (local dates, both included).

    ``weekly`` is the usual week (:meth:`BusinessCalendar.weekly_hours`); ``days`` holds
    every date of the range. Raises :class:`InvalidArgument` for a reversed range or
    one longer than 366 days.
    """

    timezone: str
    weekly: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    days: tuple[DayHours, ...]

    def __init__(self, calendar: BusinessCalendar, start: _dt.date, end: _dt.date) -> None:
        if not isinstance(calendar, BusinessCalendar):
            raise InvalidType(f"calendar must be a BusinessCalendar, got {calendar!r}")
        for name, value in (("start", start), ("end", end)):
            if type(value) is not _dt.date:
                raise InvalidType(f"{name} must be a date, got {value!r}")
        count = (end - start).days + 1
        if count < 1:
            raise InvalidArgument(f"end {end} is before start {start}")
        if count > MAX_STATEMENT_DAYS:
            raise InvalidArgument(
                f"a statement of hours covers at most {MAX_STATEMENT_DAYS} days, "
                f"got {count} ({start} to {end})"
            )
        weekly = calendar.weekly_hours()
        usual = BusinessCalendar(calendar.timezone, weekly)
        days = []
        for offset in range(count):
            day = start + _dt.timedelta(days=offset)
            hours = _hours_on(calendar, day)
            holiday = not hours and day in calendar.holidays
            changed = not holiday and hours != _hours_on(usual, day)
            days.append(DayHours(date=day, hours=hours, holiday=holiday, changed=changed))
        self.__attrs_init__(
            calendar.timezone,
            tuple(
                (day.name.lower(), tuple((a, b) for a, b in hours)) for day, hours in weekly.items()
            ),
            tuple(days),
        )

    def exceptions(self) -> tuple[DayHours, ...]:
        """The days that differ from the usual week (holidays and changed hours)."""
        return tuple(day for day in self.days if day.holiday or day.changed)

    def text(self) -> str:
        """The statement in plain English, one line per day, for an auto-reply."""
        lines = [f"Opening hours ({self.timezone}):"]
        lines.extend(day.text() for day in self.days)
        return "\n".join(lines)


def _reply_clock(ticket: Ticket) -> SLAClock | None:
    sla = ticket.sla
    if sla is None:
        return None
    for metric in _REPLY_METRICS:
        clock = sla.clock(metric)
        if clock is not None and clock.running:
            return clock
    return None


@attrs.frozen(kw_only=True)
class Expectation:
    """What a customer can expect of ticket ``ticket_id`` at instant ``at``.

    ``reply_by`` is the deadline of the running reply clock (``metric``: first_reply or
    next_reply), or None with ``withheld`` saying why no promise is made. ``open_now``,
    ``opens_at`` (the next opening at or after ``at``; ``at`` itself when open) and
    ``hours_today`` come from ``timezone``'s calendar, and are None without one.
    ``customer_timezone`` is where the customer reads it (None: the calendar's zone).
    Build it with :meth:`of`.
    """

    ticket_id: str
    channel: Channel
    priority: Priority
    at_us: int
    metric: Metric | None
    reply_by_us: int | None
    withheld: str | None
    timezone: str | None
    customer_timezone: str | None
    open_now: bool | None
    opens_at_us: int | None
    hours_today: tuple[tuple[str, str], ...] | None

    @classmethod
    def of(
        cls,
        ticket: Ticket,
        *,
        calendar: BusinessCalendar | None = None,
        customer_timezone: str | None = None,
        horizon: _dt.datetime | None = None,
        at: _dt.datetime | None = None,
    ) -> Expectation:
        """The expectation of ``ticket`` at ``at``.

        ``calendar`` gives the team's hours (default: the reply clock's calendar, else
        the SLA policy's). ``horizon`` is the last instant the host trusts the calendar
        to (e.g. the end of the last year whose holidays it loaded): a reply or an
        opening beyond it is withheld, not promised. Raises :class:`InvalidArgument` for
        an ``at`` before the ticket's last event or an unknown zone.
        """
        from .._tickets._ticket import Ticket

        if not isinstance(ticket, Ticket):
            raise InvalidType(f"ticket must be a Ticket, got {ticket!r}")
        if calendar is not None and not isinstance(calendar, BusinessCalendar):
            raise InvalidType(f"calendar must be a BusinessCalendar or None, got {calendar!r}")
        if customer_timezone is not None:
            _zone(customer_timezone)
        us = at_us(at)
        last = ticket.updated_at
        if us < instant_us(last):
            raise InvalidArgument(
                f"at={to_datetime(us)} is before ticket {ticket.id}'s last event at {last}; "
                "an expectation is read at or after it"
            )
        until = optional_at_us(horizon, "horizon")
        clock = _reply_clock(ticket)
        sla = ticket.sla
        if calendar is None and clock is not None:
            calendar = clock.calendar
        if calendar is None and sla is not None and sla.policy is not None:
            calendar = sla.policy.calendar
        reply_by, withheld = _promise(ticket, clock, us, until)
        open_now = opens = today = None
        if calendar is not None:
            open_now = calendar.is_open_us(us)
            opens = calendar.next_opening_us(us)
            if until is not None and opens > until:
                opens = None
                if withheld is None and reply_by is None:
                    withheld = "closed until beyond the calendar's horizon"
            today = _hours_on(calendar, _local(us, calendar.timezone).date())
        return cls(
            ticket_id=ticket.id,
            channel=ticket.channel,
            priority=ticket.priority,
            at_us=us,
            metric=None if clock is None else clock.metric,
            reply_by_us=reply_by,
            withheld=withheld,
            timezone=None if calendar is None else calendar.timezone,
            customer_timezone=customer_timezone,
            open_now=open_now,
            opens_at_us=opens,
            hours_today=today,
        )

    @property
    def at(self) -> pendulum.DateTime:
        """When the expectation was read, in UTC."""
        return to_datetime(self.at_us)

    @property
    def reply_by(self) -> pendulum.DateTime | None:
        """The promised reply instant in UTC, or None (see ``withheld``)."""
        return None if self.reply_by_us is None else to_datetime(self.reply_by_us)

    @property
    def opens_at(self) -> pendulum.DateTime | None:
        """The next opening at or after ``at`` in UTC, or None."""
        return None if self.opens_at_us is None else to_datetime(self.opens_at_us)

    @property
    def reader_timezone(self) -> str | None:
        """The zone the customer reads times in: theirs, else the calendar's."""
        return self.customer_timezone or self.timezone

    def placeholders(self) -> dict[str, str]:
        """Template values: ``expected_reply_by``, ``opens_at`` (customer's zone, else the
        calendar's), ``expected_reply_by_team``, ``opens_at_team``, ``open_now``
        (``"open"``/``"closed"``), ``hours_today``, ``team_timezone``,
        ``customer_timezone``. A value that cannot be given is left out, so a template
        that needs it refuses to render (never a blank in front of a customer).
        """
        values: dict[str, str] = {}
        team = self.timezone
        reader = self.reader_timezone or "UTC"
        if self.reply_by_us is not None:
            values["expected_reply_by"] = _wall(self.reply_by_us, reader)
            values["expected_reply_by_team"] = _wall(self.reply_by_us, team or "UTC")
        if team is not None:
            values["team_timezone"] = team
            values["customer_timezone"] = reader
        if self.open_now is not None:
            values["open_now"] = "open" if self.open_now else "closed"
        if self.opens_at_us is not None and team is not None:
            values["opens_at"] = _wall(self.opens_at_us, reader)
            values["opens_at_team"] = _wall(self.opens_at_us, team)
        if self.hours_today is not None:
            values["hours_today"] = _hours_text(self.hours_today)
        return values


def _promise(
    ticket: Ticket, clock: SLAClock | None, us: int, until: int | None
) -> tuple[int | None, str | None]:
    if clock is None:
        if ticket.sla is None:
            return None, "the ticket has no SLA policy"
        return None, "no reply is awaited (no first-reply or next-reply clock is running)"
    if clock.state is ClockState.PAUSED:
        return None, f"the {clock.metric.value} clock is paused"
    due = clock.deadline_us()
    if due is None:
        return None, f"the {clock.metric.value} clock has no deadline"
    if due < us:
        return None, f"the reply is overdue (it was due at {_wall(due, 'UTC')})"
    if until is not None and due > until:
        return None, "the reply would fall beyond the calendar's horizon"
    return due, None


@attrs.frozen(kw_only=True)
class KeptPromises:
    """Kept-promise counts for one (channel, priority) group, or the whole when None.

    ``shown`` counts expectations with a promise; ``kept`` those answered by a public
    reply at or before the promise, ``broken`` those answered late or still unanswered
    after it, ``open`` those still unanswered before it (left out of :attr:`share`).
    """

    channel: Channel | None
    priority: Priority | None
    shown: int
    kept: int
    broken: int
    open: int

    @property
    def share(self) -> float | None:
        """kept / (kept + broken), or None when nothing is decided yet."""
        decided = self.kept + self.broken
        return None if decided == 0 else self.kept / decided


def _first_reply_after(ticket: Ticket, us: int) -> int | None:
    for event in ticket.history:
        if isinstance(event, TicketReplied) and event.at_us >= us:
            return event.at_us
    return None


def kept_promises(
    shown: Iterable[tuple[Expectation, Ticket]], *, at: _dt.datetime | None = None
) -> tuple[KeptPromises, ...]:
    """Kept-promise KPIs at ``at`` for expectations shown to customers.

    ``shown`` pairs each expectation shown with its ticket as it stands now. Gives the
    whole first, then one row per (channel, priority) present, in enum order.
    Expectations without a promise (``withheld``) are not counted.
    """
    us = at_us(at)
    groups: dict[tuple[Channel, Priority], list[int]] = {}
    for expectation, ticket in shown:
        if not isinstance(expectation, Expectation):
            raise InvalidType(f"expected (Expectation, Ticket) pairs, got {expectation!r}")
        if ticket.id != expectation.ticket_id:
            raise InvalidArgument(
                f"expectation of ticket {expectation.ticket_id} paired with ticket {ticket.id}"
            )
        due = expectation.reply_by_us
        if due is None:
            continue
        counts = groups.setdefault((expectation.channel, expectation.priority), [0, 0, 0])
        replied = _first_reply_after(ticket, expectation.at_us)
        if replied is not None and replied <= due:
            counts[0] += 1
        elif replied is not None or us > due:
            counts[1] += 1
        else:
            counts[2] += 1
    channels = list(Channel)
    priorities = list(Priority)
    keys = sorted(groups, key=lambda k: (channels.index(k[0]), priorities.index(k[1])))
    rows = [
        KeptPromises(
            channel=channel,
            priority=priority,
            shown=sum(groups[channel, priority]),
            kept=groups[channel, priority][0],
            broken=groups[channel, priority][1],
            open=groups[channel, priority][2],
        )
        for channel, priority in keys
    ]
    total = KeptPromises(
        channel=None,
        priority=None,
        shown=sum(r.shown for r in rows),
        kept=sum(r.kept for r in rows),
        broken=sum(r.broken for r in rows),
        open=sum(r.open for r in rows),
    )
    return (total, *rows)
