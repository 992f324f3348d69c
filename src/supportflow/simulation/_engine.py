"""The simulator: a deterministic event loop that drives the real library objects.

:func:`simulate` walks a :class:`~supportflow.simulation.Workload` in time order under
a :class:`Scenario` (SLA policy set, escalation policy, staffing, auto-close delay).
A heap holds the next action of everything that waits (an arrival, an agent finishing
a touch, a customer answering, a ticket's next deadline, an incident or maintenance
step) keyed by its int instant; ties are broken by insertion order, so the same
workload and scenario give the same result on every run. Only the hour being
simulated is in the heap; later actions wait in hourly buckets.

Tickets are real :class:`~supportflow.Ticket` objects: opened with the scenario's
policies, assigned to an agent on shift with free capacity (front line for service
topics, technical support for support topics, as the escalation tier says),
answered, set pending or on hold, solved, reopened, confirmed or auto-closed; at each
ticket's ``next_deadline_us()`` the simulator calls ``ticket.evaluate(at=...)`` so
SLA warnings, breaches and escalations happen at their deadlines. With a
``Scenario.routing`` policy a ticket is pushed to the agent the policy chooses among
those of its tier on shift with room (queued when nobody is), and an agent working a
topic outside their skills takes half as long again per touch and needs one more
exchange with the customer. Incidents resolve
their linked tickets together; maintenance notices go out at their lead times;
CSAT and NPS answers are recorded in feedback programs.

Memory stays flat per ticket: a finished ticket is summarised into a small
:class:`TicketOutcome`, handed to ``on_ticket_done`` (a host persists it there) and,
unless ``keep_tickets``, dropped.
"""

from __future__ import annotations

import datetime as _dt
import gc
from collections import deque
from collections.abc import Callable, Sequence
from heapq import heapify
from heapq import heappop as _heappop
from heapq import heappush as _heappush
from typing import Any, Final, cast

import attrs

from .._desk._routing import Agent as RosterAgent
from .._desk._routing import Roster, RoutingPolicy
from .._escalation._policy import EscalationPolicy
from .._kernel._errors import InvalidArgument
from .._kernel._time import US_PER_DAY, US_PER_HOUR, US_PER_MINUTE, Micros, duration_us, to_datetime
from .._proactive._feedback import FeedbackProgram, FeedbackSurveySent
from .._proactive._incidents import Incident, IncidentImpact
from .._proactive._maintenance import Maintenance
from .._sla._policy import SLAPolicySet
from .._tickets._templates import ResponseTemplate
from .._tickets._ticket import Ticket
from .._vocabulary._taxonomy import Channel, Domain, Priority, Topic
from ._staff import ShiftTimes, Staffing
from ._workload import Arrival, Workload

__all__ = ["Scenario", "SimulationRun", "TicketOutcome", "simulate"]

_EPOCH: Final = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_delta: Final = _dt.timedelta

# Heap entry kinds, in the order they run when instants tie (lower first).
_ARRIVAL: Final = 0
_SHIFT: Final = 1
_TOUCH_DONE: Final = 2
_CUSTOMER: Final = 3
_DEADLINE: Final = 4
_PROACTIVE: Final = 5
# Heap keys: instant << _SEQ_BITS | index of the action in its hour (see _Simulator.push).
_SEQ_BITS: Final = 40
_SEQ_MASK: Final = (1 << _SEQ_BITS) - 1
_BUCKET: Final = US_PER_HOUR  # keys after the hour being simulated wait in hourly buckets


# Stages of a case (what the next agent touch does).
_WAITING: Final = 0  # in a tier queue, no agent yet
_WORKING: Final = 1  # an agent owns it and it needs a touch
_PARKED: Final = 2  # waiting on the customer or a third party
_SOLVED: Final = 3
_CLOSED: Final = 4

# CSAT answer distributions (scores 1..5) by how the ticket went, as cumulative shares.
_SURVEYS_PER_PROGRAM: Final = 50
_CSAT_GOOD: Final = (0.02, 0.05, 0.12, 0.42, 1.0)
_CSAT_FAIR: Final = (0.05, 0.12, 0.27, 0.62, 1.0)
_CSAT_POOR: Final = (0.14, 0.3, 0.52, 0.8, 1.0)


_SUBJECTS: Final = {topic: f"Question about {topic.value}" for topic in Topic}
_DEFAULT_TIER: Final = {topic: 1 if topic.domain is Domain.SERVICE else 2 for topic in Topic}
_RANK: Final = {priority: priority.rank for priority in Priority}


def _tally(ticket: Ticket) -> tuple[tuple[str, ...], int, int]:
    """(breached metrics, warnings, escalations) as recorded in a ticket's history."""
    breached: list[str] = []
    warnings = escalations = 0
    for event in ticket._history:  # the list itself: ``history`` would copy it
        name = event.name
        if name == "sla_breached":
            breached.append(str(getattr(event, "metric", "")))
        elif name == "sla_threshold_reached":
            warnings += 1
        elif name == "ticket_escalated":
            escalations += 1
    return tuple(breached), warnings, escalations


def _at(us: int) -> _dt.datetime:
    # Positional arguments: timedelta parses keywords much more slowly.
    return _EPOCH + _delta(0, 0, us)


#: ``us`` for a command's ``at=``: a :class:`Micros`, taken as it is (no datetime),
#: typed as the datetime the commands declare. The class itself, so no call in between.
_instant: Final = cast(Callable[[int], _dt.datetime], Micros)


def _duration(value: object, name: str) -> int:
    return duration_us(value, name, allow_zero=False)


@attrs.frozen(kw_only=True)
class Scenario:
    """The policies a workload runs under: what a what-if comparison varies.

    ``sla`` is an :class:`~supportflow.SLAPolicySet` (or None: no SLA clocks),
    ``escalation`` an :class:`~supportflow.EscalationPolicy` (or None), ``staffing``
    the agents and their shifts, ``auto_close_after`` how long a solved ticket waits
    for the customer before it closes, ``csat_delay`` how long after a solve the
    satisfaction survey goes out, ``routing`` a :class:`~supportflow.desk.RoutingPolicy`
    that pushes each ticket to an agent (None: free agents take the oldest of the most
    urgent tickets of their tier).
    """

    name: str
    staffing: Staffing
    sla: SLAPolicySet | None = None
    escalation: EscalationPolicy | None = None
    auto_close_after: _dt.timedelta = _dt.timedelta(days=4)
    csat_delay: _dt.timedelta = _dt.timedelta(hours=1)
    routing: RoutingPolicy | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidArgument(f"a scenario needs a name, got {self.name!r}")
        if not isinstance(self.staffing, Staffing):
            raise InvalidArgument("staffing must be a Staffing (see Staffing.rotation)")
        if self.sla is not None and not isinstance(self.sla, SLAPolicySet):
            raise InvalidArgument(f"sla must be an SLAPolicySet or None, got {self.sla!r}")
        if self.escalation is not None and not isinstance(self.escalation, EscalationPolicy):
            raise InvalidArgument(
                f"escalation must be an EscalationPolicy or None, got {self.escalation!r}"
            )
        _duration(self.auto_close_after, "auto_close_after")
        duration_us(self.csat_delay, "csat_delay")
        if self.routing is not None and not isinstance(self.routing, RoutingPolicy):
            raise InvalidArgument(f"routing must be a RoutingPolicy or None, got {self.routing!r}")


@attrs.frozen(kw_only=True)
class TicketOutcome:
    """What happened to one ticket, in numbers (instants and durations in microseconds).

    ``first_reply_us`` and ``resolution_us`` are calendar durations from creation
    (None if it never happened); ``breached`` names the SLA metrics whose targets were
    breached; ``closed`` says the ticket ended closed (not still open when the
    simulation stopped); ``agent`` is the assignee at the end (None if never assigned).
    """

    ticket_id: str
    created_us: int
    priority: Priority
    channel: Channel
    topic: Topic
    segment: str
    tier: int
    first_reply_us: int | None
    resolution_us: int | None
    solved_us: int | None
    closed: bool
    breached: tuple[str, ...]
    warnings: int
    escalations: int
    reopens: int
    reassignments: int
    first_contact_resolution: bool
    csat: int | None
    incident_id: str
    agent: str | None = None


class _Case:
    """A ticket in flight and what the simulator knows about it."""

    __slots__ = (
        "agent",
        "arrival",
        "asked",
        "csat",
        "deadline",
        "first_reply_us",
        "held",
        "queue_token",
        "reopened",
        "solved_us",
        "stage",
        "ticket",
        "tier",
    )

    def __init__(self, arrival: Arrival, ticket: Ticket, tier: int) -> None:
        self.arrival = arrival
        self.ticket = ticket
        self.tier = tier
        self.agent = -1
        self.stage = _WAITING
        self.asked = False
        self.held = False
        self.reopened = False
        self.deadline: int | None = None
        self.queue_token = 0
        self.first_reply_us: int | None = None
        self.solved_us: int | None = None
        self.csat: int | None = None


class _AgentState:
    """An agent during a run: on shift or not, busy with a touch or not, tickets held."""

    __slots__ = (
        "active",
        "agent_id",
        "available",
        "busy",
        "capacity",
        "idle",
        "index",
        "own",
        "skills",
        "tier",
        "times",
    )

    def __init__(
        self,
        index: int,
        agent_id: str,
        tier: int,
        capacity: int,
        times: ShiftTimes,
        idle: set[int],
        skills: frozenset[Topic] = frozenset(),
    ):
        self.skills = skills
        self.index = index
        self.agent_id = agent_id
        self.tier = tier
        self.times = times
        self.available = False
        self.busy = False
        self.active = 0
        self.own: deque[_Case] = deque()
        self.capacity = capacity
        self.idle = idle  # the idle agents of its tier (shared with the simulator)


@attrs.frozen(kw_only=True)
class SimulationRun:
    """The raw result of :func:`simulate`: outcomes, samples and the proactive objects.

    ``outcomes`` has one :class:`TicketOutcome` per ticket in arrival order;
    ``backlog`` is ``(instant_us, unsolved tickets)`` sampled every hour;
    ``tickets`` holds the final ticket objects when ``keep_tickets`` was set.
    """

    scenario: str
    has_sla: bool
    workload_seed: int
    start_us: int
    end_us: int
    stopped_us: int
    outcomes: tuple[TicketOutcome, ...]
    backlog: tuple[tuple[int, int], ...]
    tickets: tuple[Any, ...]
    incidents: tuple[Any, ...]
    maintenances: tuple[Any, ...]
    feedback: tuple[Any, ...]
    nps_scores: tuple[int, ...]
    notices_sent: int
    events: int
    commands: int


def simulate(
    workload: Workload,
    scenario: Scenario,
    *,
    keep_tickets: bool = False,
    on_ticket_done: Callable[[Any, TicketOutcome], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    drain: _dt.timedelta = _dt.timedelta(days=7),
    pause_gc: bool = True,
) -> SimulationRun:
    """Run ``workload`` under ``scenario`` and return what happened (deterministic).

    The loop runs until every ticket is closed or ``drain`` after the workload ends.
    ``on_ticket_done(ticket, outcome)`` is called once per ticket when it closes (or,
    for tickets still open, when the run stops); ``progress(done, total)`` after each
    arrival is processed.

    ``pause_gc``: the run allocates millions of long-lived objects and creates no
    reference cycles, so Python's cyclic garbage collector would only rescan them
    (40 % of a month's run). By default it is paused while the run lasts, as
    :mod:`timeit` does, and enabled again at the end if it was enabled at the start;
    reference counting still frees everything as usual. Pass ``pause_gc=False`` when
    other threads of the process, or your callbacks, create cyclic garbage that must
    be collected during the run.
    """
    simulator = _Simulator(workload, scenario, keep_tickets, on_ticket_done, progress, drain)
    paused = bool(pause_gc) and gc.isenabled()
    if paused:
        gc.disable()
    try:
        return simulator.run()
    finally:
        if paused:
            gc.enable()


class _Simulator:
    def __init__(
        self,
        workload: Workload,
        scenario: Scenario,
        keep_tickets: bool,
        on_ticket_done: Callable[[Any, TicketOutcome], None] | None,
        progress: Callable[[int, int], None] | None,
        drain: _dt.timedelta,
    ) -> None:
        self._major = IncidentImpact.MAJOR
        self._template = ResponseTemplate(
            "incident-resolved",
            "Hello, the incident {incident.id} ({incident.title}) is resolved; "
            "your service is back to normal. Thank you for your patience.",
        )
        self.workload = workload
        self.scenario = scenario
        self.keep = keep_tickets
        self.on_done = on_ticket_done
        self.progress = progress
        self.stop_us = workload.end_us + duration_us(drain, "drain")
        self.auto_close_after = scenario.auto_close_after
        self.evaluates = scenario.sla is not None or scenario.escalation is not None
        self.csat_delay_us = duration_us(scenario.csat_delay, "csat_delay")
        # Actions are kept per hour: a list of (kind, ref) in the order they were
        # scheduled, and their keys, instant << _SEQ_BITS | index in that list (plain
        # ints: cheap to compare, and ties keep the order of scheduling). Only the hour
        # being simulated (before ``horizon``) is in the heap, with its list in
        # ``actions``; later hours wait unsorted in ``later`` and are heapified when
        # their hour comes. The heap and the list stay small (a month of deadlines
        # would make them large and slow to reach in memory) and the order is the same.
        self.heap: list[int] = []
        self.actions: list[tuple[int, Any]] = []
        self.horizon = workload.start_us // _BUCKET * _BUCKET
        self.later: dict[int, tuple[list[int], list[tuple[int, Any]]]] = {}
        self.now = workload.start_us
        # ``now`` for the ``at=`` of a command: a :class:`Micros` (one per instant, made
        # by the loop when ``now`` moves), which every command takes as it is, with no
        # datetime to build or convert.
        self.at = _instant(self.now)
        self.events = 0
        self.commands = 0
        # Agents, their shifts and the queues of unassigned tickets per tier.
        staffing = scenario.staffing
        self.tiers = staffing.tiers
        self.staffed: dict[int, int] = {}  # tier -> the tier that works its tickets
        # A tier's queue: a FIFO of (queue_token, case) per priority rank, so the
        # next ticket is the oldest of the most urgent (stale entries are skipped).
        self.queues: dict[int, list[deque[tuple[int, _Case]]]] = {
            t: [deque() for _ in Priority] for t in self.tiers
        }
        self.idle: dict[int, set[int]] = {t: set() for t in self.tiers}
        shift_times: dict[Any, ShiftTimes] = {}
        self.agents: list[_AgentState] = []
        for index, agent in enumerate(staffing.agents):
            times = shift_times.get(agent.shift)
            if times is None:
                times = ShiftTimes(agent.shift, staffing.timezone, workload.start_us, self.stop_us)
                shift_times[agent.shift] = times
            self.agents.append(
                _AgentState(
                    index,
                    agent.agent_id,
                    agent.tier,
                    agent.capacity,
                    times,
                    self.idle[agent.tier],
                    agent.skills,
                )
            )
        # Routing (Scenario.routing): each tier's agents in staffing order, when each
        # agent last took each topic, and the agent chosen last per tier (round-robin).
        self.routing = scenario.routing
        self.by_tier: dict[int, list[_AgentState]] = {t: [] for t in self.tiers}
        for state in self.agents:
            self.by_tier[state.tier].append(state)
        self.handled: list[dict[Topic, int]] = [{} for _ in self.agents]
        self.previous: dict[int, str | None] = dict.fromkeys(self.tiers)
        # Results.
        self.outcomes: dict[str, TicketOutcome] = {}
        self.order: list[str] = []
        self.kept: dict[str, Any] = {}
        self.open_cases: dict[str, _Case] = {}
        self.unsolved = 0
        self.backlog: list[tuple[int, int]] = []
        self.next_sample = workload.start_us
        self.incidents: dict[str, Any] = {}
        self.incident_cases: dict[str, list[_Case]] = {}
        self.maintenances: list[Any] = []
        self.notices = 0
        self.csat_programs: dict[tuple[int, int], FeedbackProgram] = {}
        self.csat_pending: dict[tuple[int, int], list[tuple[int, _Case]]] = {}
        # The program taking surveys now: its key, itself and its pending list.
        self.csat_current: (
            tuple[tuple[int, int], FeedbackProgram, list[tuple[int, _Case]]] | None
        ) = None
        self.finished_programs: list[Any] = []
        self.nps_scores: list[int] = []

    # -- the loop ----------------------------------------------------------------------

    def push(self, us: int, kind: int, ref: Any) -> None:
        if us < self.horizon:
            actions = self.actions
            _heappush(self.heap, us << _SEQ_BITS | len(actions))
            actions.append((kind, ref))
            return
        bucket = self.later.get(us // _BUCKET)
        if bucket is None:
            self.later[us // _BUCKET] = ([us << _SEQ_BITS], [(kind, ref)])
        else:
            keys, actions = bucket
            keys.append(us << _SEQ_BITS | len(actions))
            actions.append((kind, ref))

    def _refill(self) -> None:
        """Load the next hour that has actions into the (empty) heap."""
        heap = self.heap
        later = self.later
        while not heap and later:
            bucket = later.pop(self.horizon // _BUCKET, None)
            self.horizon += _BUCKET
            if bucket is not None:
                keys, self.actions = bucket
                heap.extend(keys)
                heapify(heap)

    def run(self) -> SimulationRun:
        workload = self.workload
        arrivals = workload.arrivals
        total = len(arrivals)
        for agent in self.agents:
            start = agent.times.next_start(workload.start_us)
            if start is not None:
                self.push(start, _SHIFT, agent)
        for plan in workload.incidents:
            self.push(plan.declared_us, _PROACTIVE, ("incident_declare", plan))
        for mplan in workload.maintenances:
            self.push(mplan.scheduled_us, _PROACTIVE, ("maintenance_schedule", mplan))
        self._plan_nps()
        heap = self.heap
        pop = _heappop
        bits = _SEQ_BITS
        mask = _SEQ_MASK
        index = 0
        next_arrival = arrivals[0].at_us if arrivals else None
        stop = self.stop_us
        end = workload.end_us
        progress = self.progress
        open_cases = self.open_cases
        arrive = self._arrive
        deadline = self._deadline
        touch = self._touch
        start_work = self._start_work
        customer = self._customer
        events = 0
        later = self.later
        refill = self._refill
        actions = self.actions
        last = self.now  # the instant of self.at
        next_sample = self.next_sample
        while True:
            if not heap and later:
                refill()  # every key before the horizon is in the heap: its first is next
                actions = self.actions
            if next_arrival is not None and (not heap or next_arrival <= heap[0] >> bits):
                now = next_arrival
                self.now = now
                if now != last:
                    last = now
                    self.at = _instant(now)
                if now >= next_sample:
                    self._advance(now)
                    next_sample = self.next_sample
                arrive(arrivals[index])
                index += 1
                next_arrival = arrivals[index].at_us if index < total else None
                if progress is not None and (index & 255 == 0 or index == total):
                    progress(index, total)
                continue
            if not heap:
                break
            key = pop(heap)
            now = key >> bits
            kind, ref = actions[key & mask]
            if now > stop:
                break
            self.now = now
            if now >= next_sample:
                self._advance(now)
                next_sample = self.next_sample
            events += 1
            # The most frequent kinds first; most deadlines are stale (they moved since).
            if kind == _DEADLINE and ref[0].deadline != ref[1]:
                if next_arrival is None and not open_cases and now >= end:
                    break
                continue
            if now != last:
                last = now
                self.at = _instant(now)
            if kind == _DEADLINE:
                case, due = ref
                deadline(case, due)
            elif kind == _TOUCH_DONE:
                agent, case = ref
                if case.agent == agent.index and case.stage == _WORKING:
                    touch(agent, case)
                agent.busy = False
                if agent.available:
                    start_work(agent)
            elif kind == _CUSTOMER:
                customer(ref)
            elif kind == _SHIFT:
                self._shift(ref)
            else:
                self._proactive(ref)
            if next_arrival is None and not open_cases and now >= end:
                break
        self.events = events
        self._advance(min(self.now, stop))
        return self._finish()

    def _advance(self, now: int) -> None:
        self.now = now
        while self.next_sample <= now:
            self.backlog.append((self.next_sample, self.unsolved))
            self.next_sample += US_PER_HOUR

    # -- tickets -----------------------------------------------------------------------

    def _arrive(self, arrival: Arrival) -> None:
        at = self.at  # the arrival's instant
        scenario = self.scenario
        # Default routing: service topics to the front line, support topics to tier 2.
        tier = _DEFAULT_TIER[arrival.topic]
        ticket = Ticket.open(
            arrival.ticket_id,
            customer_id=arrival.customer_id,
            subject=_SUBJECTS[arrival.topic],
            topic=arrival.topic,
            channel=arrival.channel,
            priority=arrival.priority,
            body="Hello, I need help with this.",
            segment=arrival.segment,
            tier=tier,
            auto_close_after=self.auto_close_after,
            sla=scenario.sla,
            escalation=scenario.escalation,
            at=at,
        )
        self.commands += 1
        case = _Case(arrival, ticket, self._staffed(ticket.tier or tier))
        self.open_cases[arrival.ticket_id] = case
        self.order.append(arrival.ticket_id)
        self.unsolved += 1
        incident = self.incidents.get(arrival.incident_id) if arrival.incident_id else None
        if incident is not None and str(incident.status) != "resolved":
            incident.link_ticket(arrival.ticket_id, at=at)
            self.incident_cases[arrival.incident_id].append(case)
        self._enqueue(case)
        self._schedule_deadline(case)

    def _staffed(self, tier: int) -> int:
        """The nearest staffed tier at or below ``tier``, else the lowest staffed one."""
        known = self.staffed.get(tier)
        if known is None:
            below = [t for t in self.tiers if t <= tier]
            known = self.staffed[tier] = below[-1] if below else self.tiers[0]
        return known

    def _enqueue(self, case: _Case) -> None:
        case.stage = _WAITING
        case.agent = -1
        case.queue_token = token = case.queue_token + 1
        tier = case.tier
        if self.routing is not None and self._route(case):
            return
        self.queues[tier][_RANK[case.ticket.priority]].append((token, case))
        idle = self.idle[tier]
        if idle:
            self._start_work(self.agents[min(idle)])

    def _route(self, case: _Case) -> bool:
        """Push ``case`` to the agent the routing policy chooses; False when nobody can
        take it (it waits in the queue for the first agent with room)."""
        routing = self.routing
        assert routing is not None
        on_shift = [a for a in self.by_tier[case.tier] if a.available]
        roster = Roster(
            RosterAgent(
                name=a.agent_id,
                skills=a.skills,
                tier=a.tier,
                capacity=a.capacity,
                load=a.active,
                last_handled={t: to_datetime(us) for t, us in self.handled[a.index].items()},
            )
            for a in on_shift
        )
        ticket = case.ticket
        decision = routing.choose(
            roster,
            topic=ticket.topic,
            channel=ticket.channel,
            previous=self.previous[case.tier],
            at=self.at,
        )
        if decision.agent is None:
            return False
        agent = next(a for a in on_shift if a.agent_id == decision.agent)
        self.previous[case.tier] = agent.agent_id
        if ticket.assignee != agent.agent_id:
            ticket.assign(agent.agent_id, reason=decision.reason, at=self.at)
            self.commands += 1
        self.handled[agent.index][ticket.topic] = self.now
        case.agent = agent.index
        case.stage = _WORKING
        agent.active += 1
        agent.own.append(case)
        self._schedule_deadline(case)
        if not agent.busy:
            self._start_work(agent)
        return True

    def _schedule_deadline(self, case: _Case) -> None:
        due = case.ticket.next_deadline_us()
        if due is None:
            case.deadline = None
        elif due != case.deadline:
            case.deadline = due
            now = self.now
            self.push(due if due > now else now, _DEADLINE, (case, due))

    def _start_work(self, agent: _AgentState) -> None:
        """An available, idle agent takes the next touch: own tickets first, then new ones."""
        case: _Case | None = None
        own = agent.own
        index = agent.index
        while own:
            candidate = own.popleft()
            if candidate.agent == index and candidate.stage == _WORKING:
                case = candidate
                break
        if case is None and agent.active < agent.capacity:
            case = self._next_waiting(agent.tier)
            if case is not None:
                ticket = case.ticket
                if ticket.assignee != agent.agent_id:
                    ticket.assign(agent.agent_id, at=self.at)
                    self.commands += 1
                case.agent = index
                case.stage = _WORKING
                agent.active += 1
                if self.routing is not None:
                    self.handled[index][ticket.topic] = self.now
                self._schedule_deadline(case)
        if case is None:
            # Idle: wait for new tickets only while there is room for them.
            agent.busy = False
            if agent.active < agent.capacity:
                agent.idle.add(index)
            else:
                agent.idle.discard(index)
            return
        agent.busy = True
        agent.idle.discard(index)
        handle = case.arrival.handle_us
        if case.first_reply_us is not None:
            handle = max(US_PER_MINUTE, handle // 2)
        if self.routing is not None and case.arrival.topic not in agent.skills:
            handle += handle // 2  # outside their skills: half as long again
        self.push(self.now + handle, _TOUCH_DONE, (agent, case))

    def _next_waiting(self, tier: int) -> _Case | None:
        """Take the oldest of the most urgent tickets waiting in ``tier``'s queue."""
        for queue in reversed(self.queues[tier]):
            while queue:
                token, case = queue.popleft()
                if token == case.queue_token and case.stage == _WAITING:
                    return case
        return None

    def _touch(self, agent: _AgentState, case: _Case) -> None:
        """One agent touch: a public reply, then pending, on hold or solved."""
        ticket = case.ticket
        arrival = case.arrival
        now = self.now
        at = self.at
        ticket.reply(agent.agent_id, "Thank you for writing to us.", at=at)
        self.commands += 1
        if case.first_reply_us is None:
            case.first_reply_us = now - arrival.at_us
        # Outside their skills (under routing), an agent asks the customer once more.
        novice = self.routing is not None and arrival.topic not in agent.skills
        if (arrival.needs_info or novice) and not case.asked:
            case.asked = True
            ticket.set_pending(at=at)
            case.stage = _PARKED
            self.push(now + arrival.reply_delay_us, _CUSTOMER, ("reply", case))
        elif arrival.hold_us and not case.held:
            case.held = True
            ticket.put_on_hold(at=at)
            case.stage = _PARKED
            self.push(now + arrival.hold_us, _CUSTOMER, ("resume", case))
        else:
            ticket.solve("TicketSolved as described in the reply.", at=at)
            self._solved(case, agent)
        self.commands += 1
        self._follow_tier(case)
        self._schedule_deadline(case)

    def _solved(self, case: _Case, agent: _AgentState | None) -> None:
        now = self.now
        case.stage = _SOLVED
        case.solved_us = now
        self.unsolved -= 1
        if agent is not None:
            self._release(agent)
        arrival = case.arrival
        if arrival.reopens and not case.reopened:
            self.push(now + arrival.reopen_delay_us, _CUSTOMER, ("reopen", case))
            return  # the survey follows the solve after the reopen
        if arrival.confirm_delay_us is not None:
            self.push(now + arrival.confirm_delay_us, _CUSTOMER, ("confirm", case))
        if arrival.csat_draw is not None:
            self._plan_csat(case)

    def _release(self, agent: _AgentState) -> None:
        """An agent holds one ticket less; an idle agent on shift looks for work."""
        agent.active -= 1
        if agent.available and not agent.busy:
            self._start_work(agent)

    def _customer(self, ref: tuple[str, _Case]) -> None:
        action, case = ref
        ticket = case.ticket
        at = self.at
        if action == "reply":
            if case.stage != _PARKED:
                return
            ticket.customer_message("Here is the information you asked for.", at=at)
            self._back_to_agent(case)
        elif action == "resume":
            if case.stage != _PARKED:
                return
            ticket.resume(at=at)
            self._back_to_agent(case)
        elif action == "reopen":
            if case.stage != _SOLVED:
                return
            ticket.customer_message("It happened again, please have another look.", at=at)
            case.reopened = True
            self.unsolved += 1
            self._back_to_agent(case, reopened=True)
        elif action == "confirm":
            if case.stage != _SOLVED:
                return
            ticket.confirm(at=at)
            self._closed(case)
            return
        self.commands += 1
        self._follow_tier(case)
        self._schedule_deadline(case)

    def _back_to_agent(self, case: _Case, *, reopened: bool = False) -> None:
        """The ticket needs work again (a customer reply, a resume, a reopen).

        It goes to its owner when they are on shift; otherwise back to its tier's
        queue, so that nobody waits for one agent's next shift (the next agent who
        takes it is a reassignment).
        """
        case.stage = _WORKING
        if case.agent >= 0:
            agent = self.agents[case.agent]
            if agent.available:
                if reopened:
                    agent.active += 1
                agent.own.append(case)
                if not agent.busy:
                    self._start_work(agent)
                return
            if not reopened:
                self._release(agent)
        self._enqueue(case)

    def _deadline(self, case: _Case, due: int) -> None:
        ticket = case.ticket
        at = self.at
        case.deadline = None
        if case.stage == _SOLVED:
            close_at = ticket.auto_close_at_us
            if close_at is not None and close_at <= self.now:
                # Like every command, auto_close first records what fell due before it.
                ticket.auto_close(at=at)
                self.commands += 1
                self._closed(case)
                return
        # Without SLA or escalation the only deadline is the auto-close.
        if self.evaluates:
            ticket.evaluate(at=at)
            self.commands += 1
            self._follow_tier(case)
        self._schedule_deadline(case)

    def _follow_tier(self, case: _Case) -> None:
        """Move an unsolved ticket whose tier changed (escalation, applied by ``evaluate``
        or caught up by any command) to the queue of its new tier."""
        if case.stage < _SOLVED:
            tier = case.ticket.tier
            if tier is not None and self._staffed(tier) != case.tier:
                self._escalate(case, tier)

    def _escalate(self, case: _Case, tier: int) -> None:
        """A functional escalation: the ticket leaves its agent for the new tier's queue."""
        new_tier = self._staffed(tier)
        if new_tier == case.tier:
            return
        case.tier = new_tier
        if case.agent >= 0:
            self._release(self.agents[case.agent])
        if case.stage == _PARKED:
            case.agent = -1  # the new tier picks it up when the customer answers
            return
        self._enqueue(case)

    def _closed(self, case: _Case) -> None:
        case.stage = _CLOSED
        self._done(case)

    def _done(self, case: _Case) -> None:
        ticket = case.ticket
        arrival = case.arrival
        case.deadline = None  # its pending deadline, if any, is stale now
        del self.open_cases[arrival.ticket_id]
        breached, warnings, escalations = _tally(ticket)
        outcome = TicketOutcome(
            ticket_id=arrival.ticket_id,
            created_us=arrival.at_us,
            priority=arrival.priority,
            channel=arrival.channel,
            topic=arrival.topic,
            segment=arrival.segment,
            tier=case.tier,
            first_reply_us=case.first_reply_us,
            resolution_us=None if case.solved_us is None else case.solved_us - arrival.at_us,
            solved_us=case.solved_us,
            closed=case.stage == _CLOSED,
            breached=breached,
            warnings=warnings,
            escalations=escalations,
            reopens=ticket.reopens,
            reassignments=ticket.reassignments,
            first_contact_resolution=ticket.first_contact_resolution,
            csat=case.csat,
            incident_id=arrival.incident_id,
            agent=ticket.assignee,
        )
        self.outcomes[arrival.ticket_id] = outcome
        if self.on_done is not None:
            self.on_done(ticket, outcome)
        if self.keep:
            self.kept[arrival.ticket_id] = ticket

    def _shift(self, agent: _AgentState) -> None:
        now = self.now
        if agent.times.on_shift(now) and not agent.available:
            agent.available = True
            self.push(agent.times.end_of(now), _SHIFT, agent)
            if not agent.busy:
                self._start_work(agent)
            return
        agent.available = False
        self.idle[agent.tier].discard(agent.index)
        # Work waiting for this agent goes back to the queue for the next shift.
        while agent.own:
            case = agent.own.popleft()
            if case.agent == agent.index and case.stage == _WORKING:
                agent.active -= 1
                self._enqueue(case)
        start = agent.times.next_start(now + 1)
        if start is not None and start <= self.stop_us:
            self.push(start, _SHIFT, agent)

    # -- proactive work ----------------------------------------------------------------

    def _proactive(self, ref: tuple[str, Any]) -> None:
        action, plan = ref
        at = self.at
        if action == "incident_declare":
            incident = Incident.declare(
                plan.incident_id,
                title=plan.title,
                body=f"We are investigating problems with {plan.component}.",
                impact=self._major,
                components=[plan.component],
                customers=plan.customers,
                at=at,
            )
            self.incidents[plan.incident_id] = incident
            self.incident_cases[plan.incident_id] = []
            self.push(plan.identified_us, _PROACTIVE, ("incident_identify", plan))
        elif action == "incident_identify":
            self.incidents[plan.incident_id].identify(
                f"We found the cause of the problems with {plan.component}.", at=at
            )
            self.push(plan.monitoring_us, _PROACTIVE, ("incident_monitor", plan))
        elif action == "incident_monitor":
            self.incidents[plan.incident_id].monitor(
                "A fix is in place; we are watching it.", at=at
            )
            self.push(plan.resolved_us, _PROACTIVE, ("incident_resolve", plan))
        elif action == "incident_resolve":
            self._resolve_incident(plan)
        elif action == "maintenance_schedule":
            maintenance = Maintenance.schedule(
                plan.maintenance_id,
                title=plan.title,
                starts_at=_at(plan.starts_us),
                ends_at=_at(plan.ends_us),
                customers=plan.customers,
                components=[plan.component],
                at=at,
            )
            self.maintenances.append(maintenance)
            self._maintenance_next(maintenance, plan)
        elif action == "maintenance_due":
            maintenance = plan[0]
            self.notices += len(maintenance.evaluate(at=at))
            self._maintenance_next(maintenance, plan[1])
        elif action == "maintenance_start":
            maintenance, mplan = plan
            self.notices += len(maintenance.evaluate(at=at))
            maintenance.start(at=at)
            self.push(mplan.ends_us, _PROACTIVE, ("maintenance_verify", plan))
        elif action == "maintenance_verify":
            plan[0].verify(at=at)
            self.push(plan[1].verified_us, _PROACTIVE, ("maintenance_complete", plan))
        elif action == "maintenance_complete":
            plan[0].complete(at=at)
        elif action == "csat":
            self._send_csat(plan)
        elif action == "nps":
            self._record_nps(plan)

    def _maintenance_next(self, maintenance: Any, plan: Any) -> None:
        due = maintenance.next_deadline_us()
        if due is None:
            return
        if due >= plan.starts_us:
            self.push(plan.starts_us, _PROACTIVE, ("maintenance_start", (maintenance, plan)))
        else:
            self.push(max(due, self.now), _PROACTIVE, ("maintenance_due", (maintenance, plan)))

    def _resolve_incident(self, plan: Any) -> None:
        incident = self.incidents[plan.incident_id]
        cases = self.incident_cases.pop(plan.incident_id, [])
        resolution = incident.resolve(
            f"The problems with {plan.component} are resolved.",
            tickets=[case.ticket for case in cases],
            template=self._template,
            agent="incident-desk",
            at=self.at,
        )
        solved = set(resolution.solved)
        done = [case for case in cases if case.ticket.id in solved]
        for case in done:
            # Out of every queue before any agent freed below looks for work.
            case.stage = _SOLVED
            case.queue_token += 1
        for case in done:
            self.commands += 1
            if case.first_reply_us is None:
                case.first_reply_us = self.now - case.arrival.at_us
            agent = self.agents[case.agent] if case.agent >= 0 else None
            self._solved(case, agent)
            case.agent = -1
            self._schedule_deadline(case)

    # -- feedback ----------------------------------------------------------------------

    def _plan_csat(self, case: _Case) -> None:
        """Schedule the CSAT survey in a program of the solve's hour.

        Programs hold at most ``_SURVEYS_PER_PROGRAM`` surveys (the programs, their ids
        and their surveys' ids are part of the results).
        """
        now = self.now
        hour = now // US_PER_HOUR
        current = self.csat_current
        if current is None or current[0][0] != hour or len(current[2]) >= _SURVEYS_PER_PROGRAM:
            key = (hour, 0 if current is None or current[0][0] != hour else current[0][1] + 1)
            program = self.csat_programs[key] = FeedbackProgram.create(
                f"CSAT-{hour}-{key[1]}",
                csat_delay=self.scenario.csat_delay,
                nps_every=None,
                at=self.at,
            )
            pending: list[tuple[int, _Case]] = []
            self.csat_pending[key] = pending
            self.csat_current = current = (key, program, pending)
            # Every survey of this hour is due by then: send them all, then answer.
            self.push((hour + 1) * US_PER_HOUR + self.csat_delay_us, _PROACTIVE, ("csat", key))
        _, program, pending = current
        arrival = case.arrival
        program.schedule_csat(arrival.ticket_id, customer_id=arrival.customer_id, at=self.at)
        pending.append((now, case))

    def _send_csat(self, key: tuple[int, int]) -> None:
        program = self.csat_programs.pop(key)
        pending = self.csat_pending.pop(key)
        at = self.at
        program.evaluate(at=at)
        for survey, (_, case) in zip(program.surveys, pending, strict=True):
            score = self._csat_score(case)
            case.csat = score
            program.record_response(survey.survey_id, score, channel=case.arrival.channel, at=at)
            if case.stage == _CLOSED and case.arrival.ticket_id in self.outcomes:
                self.outcomes[case.arrival.ticket_id] = attrs.evolve(
                    self.outcomes[case.arrival.ticket_id], csat=score
                )
        self.finished_programs.append(program)

    def _csat_score(self, case: _Case) -> int:
        draw = case.arrival.csat_draw or 0.0
        breached, _, escalations = _tally(case.ticket)
        if breached or case.reopened:
            table = _CSAT_POOR
        elif escalations or case.arrival.needs_info:
            table = _CSAT_FAIR
        else:
            table = _CSAT_GOOD
        for score, cumulative in enumerate(table, 1):
            if draw < cumulative:
                return score
        return 5

    def _plan_nps(self) -> None:
        """NPS answers are recorded hour by hour, each hour in its own small program."""
        by_hour: dict[int, list[Any]] = {}
        for answer in self.workload.nps_answers:
            by_hour.setdefault(answer.at_us // US_PER_HOUR, []).append(answer)
        for hour, hour_answers in sorted(by_hour.items()):
            self.push((hour + 1) * US_PER_HOUR, _PROACTIVE, ("nps", (hour, hour_answers)))

    def _record_nps(self, batch: tuple[int, Sequence[Any]]) -> None:
        # Each answering customer is enrolled one cadence before their answer, so the
        # program's survey is due when they answer. A program per hour keeps each
        # evaluation to that hour's customers (one program would scan them all).
        hour, answers = batch
        period = 30 * US_PER_DAY
        program = FeedbackProgram.create(
            f"NPS-{hour}",
            nps_every=_delta(microseconds=period),
            at=_instant(answers[0].at_us - period),
        )
        for answer in answers:
            program.enroll(answer.customer_id, at=_instant(answer.at_us - period))
        at = self.at
        sent = {
            event.customer_id: event.survey_id
            for event in program.evaluate(at=at)
            if isinstance(event, FeedbackSurveySent)
        }
        for answer in answers:
            program.record_response(sent[answer.customer_id], answer.score, at=at)
            self.nps_scores.append(answer.score)
        self.finished_programs.append(program)

    # -- the end -----------------------------------------------------------------------

    def _finish(self) -> SimulationRun:
        for case in list(self.open_cases.values()):
            self._done(case)
        return SimulationRun(
            scenario=self.scenario.name,
            has_sla=self.scenario.sla is not None,
            workload_seed=self.workload.seed,
            start_us=self.workload.start_us,
            end_us=self.workload.end_us,
            stopped_us=self.now,
            outcomes=tuple(self.outcomes[ticket_id] for ticket_id in self.order),
            backlog=tuple(self.backlog),
            tickets=tuple(self.kept[ticket_id] for ticket_id in self.order if self.keep),
            incidents=tuple(self.incidents.values()),
            maintenances=tuple(self.maintenances),
            feedback=(*self.finished_programs, *self.csat_programs.values()),
            nps_scores=tuple(self.nps_scores),
            notices_sent=self.notices,
            events=self.events,
            commands=self.commands,
        )
