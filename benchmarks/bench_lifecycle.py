"""A whole ticket lifecycle with SLA clocks: supportflow against the naive stack and a
hand-written event-sourced floor doing the same work (DESIGN.md section 4).

The work: 9 commands (open, assign, reply, set pending, customer message, note, reply,
solve, confirm) under one policy of 3 clocks on office hours (Paris, 09:00-17:00 on
weekdays): first reply 4 h, requester wait 9 h (paused while pending), resolution 9 h,
one warning at 75 %. Two warnings fall due during the lifecycle; each is recorded at
its own instant before the command that follows it. After every command each peer
gives the ticket's next deadline, what a host stores for its deadline sweep.

Peers:

* supportflow: ``Ticket`` and ``SLAPolicySet``, ``next_deadline_us()`` after each
  command (the deadline as integer microseconds, as the floor gives it; the naive
  stack gives the datetimes businesstimedelta computes in);
* the naive stack: a ``transitions`` Machine per ticket, and ``businesstimedelta``
  for business time: every clock keeps its running stretches, and at every event each
  running clock's elapsed time is recomputed from them and its next mark instant
  added to the stretch start (the way hand-rolled SLA code is usually written);
* the floor, written plainly by hand: a slotted ticket, frozen slotted event objects,
  a dict transition table, the same argument checks (non-blank texts, aware instants
  in order), and integer microsecond arithmetic on the week's opening hours
  precomputed in UTC (valid because the lifecycle stays in one week without a DST
  change; asserted).

Before timing, every peer's history (event names and instants) and its nine next
deadlines are checked to be supportflow's. Times are CPU time, best of 7 rounds, the
peers alternated in one process; the naive stack is also timed with the garbage
collector paused, since a Machine per object makes reference cycles it rescans.

    python benchmarks/bench_lifecycle.py            # 500 lifecycles per round
    python benchmarks/bench_lifecycle.py --quick    # 50

Instruction counts, which do not drift with the machine's load: ``--probe PEER N`` runs
20 lifecycles of ``supportflow`` or ``floor`` to warm up, then N more; under
``PYTHONHASHSEED=0 valgrind --tool=callgrind``, the count at N = 300 minus the count at
N = 0, over 300, is the instructions per lifecycle.
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from transitions import Machine

from supportflow import (
    TICKET_LIFECYCLE,
    BusinessCalendar,
    Channel,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
)

QUICK = "--quick" in sys.argv
N = 50 if QUICK else 500
ROUNDS = 3 if QUICK else 7

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 in Paris
# The instants of the 9 commands.
AT = [T0 + minutes * M for minutes in (0, 5, 210, 215, 420, 430, 440, 450, 465)]
TARGETS = {"first_reply": 4 * H, "requester_wait": 9 * H, "resolution": 9 * H}
WARNING = 0.75
AUTO_CLOSE = dt.timedelta(days=4)  # the ticket's default auto-close delay
CALENDAR = BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris")
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            {metric: {"normal": target} for metric, target in TARGETS.items()},
            calendar=CALENDAR,
            warnings=(WARNING,),
        )
    ]
)
METRICS = tuple(TARGETS)  # supportflow's clock order


# --- supportflow --------------------------------------------------------------------


def supportflow(i: int) -> tuple[Ticket, list[int | None]]:
    a = AT
    due: list[int | None] = []
    ticket = Ticket.open(
        f"T-{i}",
        customer_id="C-1",
        subject="Printer jams",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        sla=SLA,
        at=a[0],
    )
    due.append(ticket.next_deadline_us())
    ticket.assign("ana", at=a[1])
    due.append(ticket.next_deadline_us())
    ticket.reply("ana", "Please clean the roller.", at=a[2])
    due.append(ticket.next_deadline_us())
    ticket.set_pending(at=a[3])
    due.append(ticket.next_deadline_us())
    ticket.customer_message("Done, still jams.", at=a[4])
    due.append(ticket.next_deadline_us())
    ticket.add_note("ana", "Roller worn.", at=a[5])
    due.append(ticket.next_deadline_us())
    ticket.reply("ana", "A new roller is on its way.", at=a[6])
    due.append(ticket.next_deadline_us())
    ticket.solve("replaced the roller", at=a[7])
    due.append(ticket.next_deadline_us())
    ticket.confirm(at=a[8])
    due.append(ticket.next_deadline_us())
    return ticket, due


def supportflow_history(ticket: Ticket) -> list[tuple[str, dt.datetime]]:
    names = {"ticket_status_changed": "status_changed"}
    return [(names.get(e.name, e.name), e.at) for e in ticket.history]


# --- the naive stack: a Machine per ticket, businesstimedelta ------------------------

STATES = ["new", "open", "pending", "on_hold", "solved", "closed"]
TRANSITIONS = [
    {"trigger": trigger, "source": source, "dest": None if dest == source else dest}
    for source, trigger, dest in TICKET_LIFECYCLE.edges()
]


def businesstimedelta_rules() -> Any:
    import businesstimedelta as btd
    import pytz

    workday = btd.WorkDayRule(
        start_time=dt.time(9),
        end_time=dt.time(17),
        working_days=[0, 1, 2, 3, 4],
        tz=pytz.timezone("Europe/Paris"),
    )
    return btd.Rules([workday])


class NaiveClock:
    def __init__(self, metric: str, target: dt.timedelta, at: dt.datetime) -> None:
        self.metric = metric
        self.marks = [(WARNING, target * WARNING), (1.0, target)]
        self.announced = 0
        self.stretches: list[list[dt.datetime | None]] = [[at, None]]
        self.stopped = False

    def elapsed(self, rules: Any) -> dt.timedelta:
        done = dt.timedelta()
        for start, end in self.stretches:
            if end is not None:
                done += rules.difference(start, end).timedelta
        return done

    def next_mark(self, rules: Any) -> tuple[float, dt.datetime] | None:
        if self.stopped or self.announced == len(self.marks) or self.stretches[-1][1] is not None:
            return None
        import businesstimedelta as btd

        fraction, amount = self.marks[self.announced]
        left = amount - self.elapsed(rules)
        start = self.stretches[-1][0]
        assert start is not None
        return fraction, start + btd.BusinessTimeDelta(rules, timedelta=left)

    def pause(self, at: dt.datetime) -> None:
        self.stretches[-1][1] = at

    def resume(self, at: dt.datetime) -> None:
        self.stretches.append([at, None])

    def stop(self, at: dt.datetime) -> None:
        if self.stretches[-1][1] is None:
            self.stretches[-1][1] = at
        self.stopped = True


class NaiveTicket:
    def __init__(self, ticket_id: str, customer_id: str, subject: str, at: dt.datetime) -> None:
        for name, value in (("ticket_id", ticket_id), ("customer_id", customer_id)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{name} must be a non-blank string")
        if at.tzinfo is None:
            raise ValueError("at must be aware")
        Machine(
            model=self,
            states=STATES,
            transitions=TRANSITIONS,
            initial="new",
            auto_transitions=False,
        )
        self.id, self.customer_id, self.subject = ticket_id, customer_id, subject
        self.assignee: str | None = None
        self.solved_at: dt.datetime | None = None
        self.rules = RULES
        self.history: list[tuple[str, dt.datetime]] = [("ticket_opened", at)]
        self.clocks = [NaiveClock(m, target, at) for m, target in TARGETS.items()]
        self.last = at
        self.deadline = self.next_deadline()

    def next_deadline(self) -> dt.datetime | None:
        state = self.state  # type: ignore[attr-defined]
        if state == "closed":
            return None
        found = [mark[1] for clock in self.clocks if (mark := clock.next_mark(self.rules))]
        if state == "solved" and self.solved_at is not None:
            found.append(self.solved_at + AUTO_CLOSE)
        return min(found, default=None)

    def catch_up(self, at: dt.datetime) -> None:
        if at < self.last:
            raise ValueError("commands cannot go back in time")
        while self.deadline is not None and self.deadline <= at:
            due = []
            for clock in self.clocks:
                mark = clock.next_mark(self.rules)
                if mark is not None and mark[1] <= at:
                    due.append((mark[1], clock))
            if not due:
                break
            instant, clock = min(due, key=lambda d: d[0])
            fraction = clock.marks[clock.announced][0]
            clock.announced += 1
            name = "sla_threshold_reached" if fraction < 1 else "sla_breached"
            self.history.append((name, instant))
            self.deadline = self.next_deadline()

    def command(self, trigger: str, name: str, at: dt.datetime) -> None:
        self.catch_up(at)
        getattr(self, trigger)()
        self.history.append((name, at))
        self.last = at

    def done(self) -> dt.datetime | None:
        self.deadline = self.next_deadline()
        return self.deadline


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-blank string")
    return value


def naive(i: int) -> tuple[NaiveTicket, list[dt.datetime | None]]:
    a = AT
    ticket = NaiveTicket(f"T-{i}", "C-1", "Printer jams", a[0])
    due = [ticket.deadline]
    ticket.assignee = _text("ana", "agent")
    ticket.command("assign", "ticket_assigned", a[1])
    due.append(ticket.done())
    _text("Please clean the roller.", "body")
    ticket.command("reply", "ticket_replied", a[2])
    ticket.clocks[0].stop(a[2])  # the first public reply fulfils first reply
    due.append(ticket.done())
    ticket.command("set_pending", "status_changed", a[3])
    ticket.clocks[1].pause(a[3])  # pending pauses the requester's wait
    due.append(ticket.done())
    _text("Done, still jams.", "body")
    ticket.command("customer_message", "ticket_customer_messaged", a[4])
    ticket.clocks[1].resume(a[4])  # the customer's answer reopens it
    due.append(ticket.done())
    _text("Roller worn.", "body")
    ticket.command("add_note", "ticket_note_added", a[5])
    due.append(ticket.done())
    _text("A new roller is on its way.", "body")
    ticket.command("reply", "ticket_replied", a[6])
    due.append(ticket.done())
    _text("replaced the roller", "resolution")
    if ticket.assignee is None:
        raise ValueError("solving needs an assignee")
    ticket.command("solve", "ticket_solved", a[7])
    ticket.solved_at = a[7]
    for clock in ticket.clocks:
        clock.stop(a[7])
    due.append(ticket.done())
    ticket.command("confirm", "status_changed", a[8])
    due.append(ticket.done())
    return ticket, due


# --- the floor: written by hand ------------------------------------------------------

US = dt.timedelta(microseconds=1)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
WEEK_US = 7 * 24 * 3600 * 1_000_000
HOUR_US = 3600 * 1_000_000
MONDAY_US = (dt.datetime(2026, 3, 2, tzinfo=dt.UTC) - EPOCH) // US
# Paris is UTC+1 all that week: opening hours 08:00-16:00 UTC, Monday to Friday.
OPEN_US = [
    (MONDAY_US + day * 24 * HOUR_US + 8 * HOUR_US, MONDAY_US + day * 24 * HOUR_US + 16 * HOUR_US)
    for day in range(5)
]
AUTO_CLOSE_US = AUTO_CLOSE // US


def floor_add(start: int, amount: int) -> int:
    """The instant ``amount`` business microseconds after ``start`` (in the week)."""
    for open_, close in OPEN_US:
        if close <= start:
            continue
        begin = max(start, open_)
        if amount <= close - begin:
            return begin + amount
        amount -= close - begin
    raise AssertionError("the lifecycle stays in its week")


def floor_between(start: int, end: int) -> int:
    total = 0
    for open_, close in OPEN_US:
        low, high = max(start, open_), min(end, close)
        if low < high:
            total += high - low
    return total


@dataclass(frozen=True, slots=True)
class FloorOpened:
    at_us: int
    ticket_id: str
    customer_id: str
    subject: str


@dataclass(frozen=True, slots=True)
class FloorAssigned:
    at_us: int
    agent: str


@dataclass(frozen=True, slots=True)
class FloorReplied:
    at_us: int
    author: str
    body: str


@dataclass(frozen=True, slots=True)
class FloorStatusChanged:
    at_us: int
    trigger: str
    to_status: str


@dataclass(frozen=True, slots=True)
class FloorCustomerMessaged:
    at_us: int
    body: str


@dataclass(frozen=True, slots=True)
class FloorNoteAdded:
    at_us: int
    author: str
    body: str


@dataclass(frozen=True, slots=True)
class FloorSolved:
    at_us: int
    resolution: str


@dataclass(frozen=True, slots=True)
class FloorWarned:
    at_us: int
    metric: str
    threshold: float


FLOOR_NAMES = {
    FloorOpened: "ticket_opened",
    FloorAssigned: "ticket_assigned",
    FloorReplied: "ticket_replied",
    FloorStatusChanged: "status_changed",
    FloorCustomerMessaged: "ticket_customer_messaged",
    FloorNoteAdded: "ticket_note_added",
    FloorSolved: "ticket_solved",
    FloorWarned: "sla_threshold_reached",
}

TABLE: dict[str, dict[str, str]] = {}
for _source, _trigger, _dest in TICKET_LIFECYCLE.edges():
    TABLE.setdefault(_source, {})[_trigger] = _dest
FLOOR_TARGETS = [(metric, target // US) for metric, target in TARGETS.items()]


class FloorTicket:
    # Per clock (first reply, requester wait, resolution): elapsed before the running
    # stretch, the stretch's start (None while paused or stopped), the marks announced.
    __slots__ = ("announced", "assignee", "elapsed", "history", "id", "last", "since", "status")

    def __init__(self, ticket_id: str, customer_id: str, subject: str, at: dt.datetime) -> None:
        us = _floor_us(at)
        self.id = _floor_text(ticket_id, "ticket_id")
        self.status = "new"
        self.assignee: str | None = None
        self.history: list[object] = [
            FloorOpened(us, self.id, _floor_text(customer_id, "customer_id"), subject)
        ]
        self.elapsed = [0, 0, 0]
        self.since: list[int | None] = [us, us, us]
        self.announced = [0, 0, 0]
        self.last = us

    def _mark(self, index: int) -> int | None:
        since = self.since[index]
        if since is None or self.announced[index] == 2:
            return None
        target = FLOOR_TARGETS[index][1]
        amount = int(target * WARNING) if self.announced[index] == 0 else target
        return floor_add(since, amount - self.elapsed[index])

    def next_deadline_us(self) -> int | None:
        if self.status == "closed":
            return None
        best = None
        for index in range(3):
            mark = self._mark(index)
            if mark is not None and (best is None or mark < best):
                best = mark
        if self.status == "solved":
            solved = self.last + AUTO_CLOSE_US
            if best is None or solved < best:
                best = solved
        return best

    def _enter(self, at: dt.datetime, trigger: str) -> tuple[int, str]:
        us = _floor_us(at)
        if us < self.last:
            raise ValueError("commands cannot go back in time")
        while True:  # record the marks due by ``us``, earliest first
            due = None
            for index in range(3):
                mark = self._mark(index)
                if mark is not None and mark <= us and (due is None or mark < due[0]):
                    due = (mark, index)
            if due is None:
                break
            mark, index = due
            if self.announced[index] == 1:
                raise AssertionError("no breach in this lifecycle")
            self.announced[index] = 1
            self.history.append(FloorWarned(mark, FLOOR_TARGETS[index][0], WARNING))
        dest = TABLE[self.status].get(trigger)
        if dest is None:
            raise ValueError(f"cannot {trigger} a ticket in {self.status}")
        self.last = us
        return us, dest

    def _pause(self, index: int, us: int) -> None:
        since = self.since[index]
        if since is not None:
            self.elapsed[index] += floor_between(since, us)
            self.since[index] = None

    def assign(self, agent: str, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "assign")
        self.assignee = _floor_text(agent, "agent")
        self.history.append(FloorAssigned(us, self.assignee))

    def reply(self, author: str, body: str, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "reply")
        self.history.append(
            FloorReplied(us, _floor_text(author, "author"), _floor_text(body, "body"))
        )
        self._pause(0, us)  # the first reply fulfils first reply
        self.announced[0] = 2

    def set_pending(self, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "set_pending")
        self.history.append(FloorStatusChanged(us, "set_pending", self.status))
        self._pause(1, us)

    def customer_message(self, body: str, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "customer_message")
        self.history.append(FloorCustomerMessaged(us, _floor_text(body, "body")))
        if self.since[1] is None and self.announced[1] < 2:
            self.since[1] = us

    def add_note(self, author: str, body: str, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "add_note")
        self.history.append(
            FloorNoteAdded(us, _floor_text(author, "author"), _floor_text(body, "body"))
        )

    def solve(self, resolution: str, at: dt.datetime) -> None:
        if self.assignee is None:
            raise ValueError("solving needs an assignee")
        us, self.status = self._enter(at, "solve")
        self.history.append(FloorSolved(us, _floor_text(resolution, "resolution")))
        for index in range(3):
            self._pause(index, us)
            self.announced[index] = 2

    def confirm(self, at: dt.datetime) -> None:
        us, self.status = self._enter(at, "confirm")
        self.history.append(FloorStatusChanged(us, "confirm", self.status))


def _floor_us(at: dt.datetime) -> int:
    if not isinstance(at, dt.datetime) or at.tzinfo is None:
        raise ValueError("at must be an aware datetime")
    return (at - EPOCH) // US


def _floor_text(value: object, name: str) -> str:
    if type(value) is not str or not value.strip():
        raise ValueError(f"{name} must be a non-blank string")
    return value


def floor(i: int) -> tuple[FloorTicket, list[int | None]]:
    a = AT
    ticket = FloorTicket(f"T-{i}", "C-1", "Printer jams", a[0])
    due = [ticket.next_deadline_us()]
    ticket.assign("ana", a[1])
    due.append(ticket.next_deadline_us())
    ticket.reply("ana", "Please clean the roller.", a[2])
    due.append(ticket.next_deadline_us())
    ticket.set_pending(a[3])
    due.append(ticket.next_deadline_us())
    ticket.customer_message("Done, still jams.", a[4])
    due.append(ticket.next_deadline_us())
    ticket.add_note("ana", "Roller worn.", a[5])
    due.append(ticket.next_deadline_us())
    ticket.reply("ana", "A new roller is on its way.", a[6])
    due.append(ticket.next_deadline_us())
    ticket.solve("replaced the roller", a[7])
    due.append(ticket.next_deadline_us())
    ticket.confirm(a[8])
    due.append(ticket.next_deadline_us())
    return ticket, due


# --- checks and timing ---------------------------------------------------------------


def _instant(us: int | None) -> dt.datetime | None:
    return None if us is None else EPOCH + us * US


def check_same_work() -> None:
    ours, our_due_us = supportflow(0)
    our_due = [_instant(d) for d in our_due_us]
    expected = supportflow_history(ours)
    warnings = [e for e in ours.history if e.name == "sla_threshold_reached"]
    assert len(ours.history) == 11, expected
    assert len(warnings) == 2, expected
    assert ours.status.value == "closed"
    their, their_due = naive(0)
    assert their.history == expected, (their.history, expected)
    assert their_due == our_due, (their_due, our_due)
    hand, hand_due = floor(0)
    assert [(FLOOR_NAMES[type(e)], _instant(e.at_us)) for e in hand.history] == expected  # type: ignore[attr-defined]
    assert hand_due == our_due_us, (hand_due, our_due_us)
    # The floor's precomputed week: no DST change in Paris between the first and last mark.
    paris = zoneinfo.ZoneInfo(CALENDAR.timezone)
    week = [T0 + day * 24 * H for day in range(7)]
    assert {day.astimezone(paris).utcoffset() for day in week} == {H}


def per_lifecycle_us(run: Callable[[int], Any], paused: bool = False) -> float:
    gc.collect()
    if paused:
        gc.disable()
    try:
        start = time.process_time()
        for i in range(N):
            run(i)
        return (time.process_time() - start) / N * 1e6
    finally:
        gc.enable()


RULES: Any = None


def main() -> int:
    global RULES
    try:
        RULES = businesstimedelta_rules()
    except ImportError as error:  # pragma: no cover - the bench group is not installed
        print(f"businesstimedelta unavailable ({error}): pip install -e . --group bench")
        return 1
    check_same_work()
    peers: dict[str, tuple[Callable[[int], Any], bool]] = {
        "supportflow": (supportflow, False),
        "naive stack": (naive, False),
        "naive stack, GC paused": (naive, True),
        "floor": (floor, False),
    }
    best = dict.fromkeys(peers, float("inf"))
    for _ in range(ROUNDS):
        for name, (run, paused) in peers.items():
            best[name] = min(best[name], per_lifecycle_us(run, paused))
    ours = best["supportflow"]
    print(f"Python {sys.version.split()[0]}; {N} lifecycles x {ROUNDS} rounds, CPU time, best")
    print("(9 commands, 3 clocks, 2 warnings, next_deadline after each command; answers checked)")
    for name, cost in best.items():
        ratio = cost / ours
        print(f"  {name:<24} {cost:9.1f} µs/lifecycle  {ratio:8.2f}x supportflow's time")
    print(
        f"naive stack / supportflow: {best['naive stack'] / ours:.0f}x (GC paused "
        f"{best['naive stack, GC paused'] / ours:.0f}x); supportflow / floor: "
        f"{ours / best['floor']:.2f}x"
    )
    return 0


def probe(peer: str, count: int) -> None:
    """Run 20 lifecycles of ``peer`` (supportflow or floor), then ``count`` more."""
    run = {"supportflow": supportflow, "floor": floor}[peer]
    for i in range(20 + count):
        run(i)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2], int(sys.argv[3]))
        raise SystemExit(0)
    raise SystemExit(main())
