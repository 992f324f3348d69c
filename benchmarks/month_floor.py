"""A plain-Python floor for the simulated month of ``bench_scale.py`` (issue 22).

:func:`run_floor` re-implements the desk simulation of ``supportflow.simulation`` for
the scenario of ``bench_scale.desk``: the same arrivals (drawn by supportflow's workload
generator, turned into tuples before the run), the same loop events in the same order,
the same commands and decisions (queues per tier and priority, agents on shift with
capacity, touches, pending, hold, solve, reopen, confirm, auto-close, evaluate at each
ticket's next deadline), the same SLA marks (50 %, 75 % and the breach of first reply
and resolution, on Berlin office hours for the standard policy and 24/7 for
enterprise), the same escalations (the lead told at 75 % of first reply, one tier up
at a resolution breach, once per resolution cycle), incidents, maintenance notices and
surveys. Every ticket, incident, maintenance and feedback program keeps its events as
tuples in a list, as the library keeps its histories (the floor does not check its
commands' arguments, which the library does). Inside the loop there are only dicts,
lists, tuples, one ``heapq`` and integer microseconds; business time is a table of the
period's open intervals in UTC with the business microseconds before each, built once.
The scenario's rules are written into the floor (targets, warnings at 50 % and 75 %,
the two escalation rules, the default tier ladder, auto-close after 4 days, surveys an
hour after the solve): it is a floor for this desk, not a second engine.

:func:`compare` runs both and raises ``AssertionError`` unless every ticket's outcome
(tier, first reply, solve, closed, breaches in order, warnings, escalations, reopens,
reassignments, first-contact resolution, CSAT score, assignee, number of events in its
history), the loop's event and command counts, the hourly backlog, the notices sent and
the NPS scores are equal.
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import math
import time
from bisect import bisect_left, bisect_right
from collections import Counter, deque
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

US_PER_MINUTE = 60_000_000
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Heap entry kinds (as the simulator's).
SHIFT, TOUCH_DONE, CUSTOMER, DEADLINE, PROACTIVE = 1, 2, 3, 4, 5
# Stages of a case.
WAITING, WORKING, PARKED, SOLVED, CLOSED = 0, 1, 2, 3, 4
# Arrival tuple fields.
(
    A_ID,
    A_AT,
    A_CUSTOMER,
    A_SEGMENT,
    A_CHANNEL,
    A_TOPIC,
    A_PRIORITY,
    A_HANDLE,
    A_NEEDS_INFO,
    A_REPLY_DELAY,
    A_HOLD,
    A_REOPENS,
    A_REOPEN_DELAY,
    A_CONFIRM_DELAY,
    A_CSAT_DRAW,
    A_INCIDENT,
) = range(16)

RANK = {"low": 0, "normal": 1, "high": 2, "urgent": 3}
TOP_TIER = 4  # the default tier ladder: 0 self-service .. 4 external vendor
AUTO_CLOSE_US = 4 * US_PER_DAY
CSAT_DELAY_US = US_PER_HOUR
SURVEYS_PER_PROGRAM = 50
CSAT_GOOD = (0.02, 0.05, 0.12, 0.42, 1.0)
CSAT_FAIR = (0.05, 0.12, 0.27, 0.62, 1.0)
CSAT_POOR = (0.14, 0.3, 0.52, 0.8, 1.0)
LEAD_TIMES_US = (72 * US_PER_HOUR, 24 * US_PER_HOUR, US_PER_HOUR)
WARNINGS = (0.5, 0.75)
# Targets in hours per priority: (first reply, resolution), as in bench_scale.desk.
ENTERPRISE = {"urgent": (0.5, 8), "high": (1, 16), "normal": (2, 24), "low": (4, 48)}
STANDARD = {"urgent": (1, 8), "high": (2, 16), "normal": (4, 32), "low": (8, 60)}


def _us(value: dt.datetime) -> int:
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _local_days(zone: ZoneInfo, start_us: int, end_us: int) -> list[dt.date]:
    first = (_EPOCH + dt.timedelta(microseconds=start_us)).astimezone(zone).date()
    first -= dt.timedelta(days=1)
    return [first + dt.timedelta(days=n) for n in range((end_us - start_us) // US_PER_DAY + 3)]


def open_intervals(
    zone: ZoneInfo,
    weekdays: tuple[int, ...],
    start: dt.time,
    end: dt.time,
    start_us: int,
    end_us: int,
) -> tuple[list[int], list[int]]:
    """Local ``start``-``end`` on ``weekdays`` over the period, as sorted UTC intervals
    (an end at or before the start runs past midnight; touching intervals merge)."""
    starts: list[int] = []
    ends: list[int] = []
    for day in _local_days(zone, start_us, end_us):
        if day.weekday() not in weekdays:
            continue
        finish_day = day if end > start else day + dt.timedelta(days=1)
        b = _us(dt.datetime.combine(day, start, tzinfo=zone))
        f = _us(dt.datetime.combine(finish_day, end, tzinfo=zone))
        if ends and b <= ends[-1]:
            ends[-1] = max(ends[-1], f)
        else:
            starts.append(b)
            ends.append(f)
    return starts, ends


def business_adder(starts: list[int], ends: list[int]) -> Callable[[int, int], int]:
    """``add(t, amount)``: the first instant with ``amount`` business µs after ``t``."""
    before: list[int] = []  # business µs before each interval
    through: list[int] = []  # business µs up to each interval's end
    total = 0
    for b, f in zip(starts, ends, strict=True):
        before.append(total)
        total += f - b
        through.append(total)

    def add(t: int, amount: int) -> int:
        i = bisect_right(starts, t) - 1
        done = before[i] + t - starts[i] if i >= 0 and t < ends[i] else before[i + 1]
        goal = done + amount
        j = bisect_left(through, goal)
        return starts[j] + goal - before[j]

    return add


def _always(t: int, amount: int) -> int:
    return t + amount


def _amounts(target_us: int) -> tuple[tuple[int, float], ...]:
    """(business µs, fraction) of a clock's marks: the warnings, then the breach at 1.0."""
    marks = [(max(1, math.ceil(f * target_us)), f) for f in WARNINGS]
    return (*marks, (target_us, 1.0))


def prepare(workload: Any, scenario: Any, drain_days: int = 7) -> dict[str, Any]:
    """Everything the floor's loop reads, as plain data (built outside the timed run)."""
    stop_us = workload.end_us + drain_days * US_PER_DAY
    zone = ZoneInfo(scenario.staffing.timezone)
    office = open_intervals(
        ZoneInfo("Europe/Berlin"),
        (0, 1, 2, 3, 4),
        dt.time(8),
        dt.time(18),
        workload.start_us - 7 * US_PER_DAY,
        stop_us + 40 * US_PER_DAY,
    )
    shifts: dict[Any, tuple[list[int], list[int]]] = {}
    agents = []
    for agent in scenario.staffing.agents:
        shift = agent.shift
        if shift not in shifts:
            shifts[shift] = open_intervals(
                zone, shift.weekdays, shift.start, shift.end, workload.start_us, stop_us
            )
        agents.append((agent.agent_id, agent.tier, agent.capacity, *shifts[shift]))
    arrivals = [
        (
            a.ticket_id,
            a.at_us,
            a.customer_id,
            a.segment,
            a.channel.value,
            a.topic.value,
            a.priority.value,
            a.handle_us,
            a.needs_info,
            a.reply_delay_us,
            a.hold_us,
            a.reopens,
            a.reopen_delay_us,
            a.confirm_delay_us,
            a.csat_draw,
            a.incident_id,
        )
        for a in workload.arrivals
    ]
    incidents = [
        (p.incident_id, p.declared_us, p.identified_us, p.monitoring_us, p.resolved_us)
        for p in workload.incidents
    ]
    maintenances = [
        (p.maintenance_id, p.scheduled_us, p.starts_us, p.ends_us, p.verified_us)
        for p in workload.maintenances
    ]
    nps = [(n.customer_id, n.at_us, n.score) for n in workload.nps_answers]
    from supportflow import Topic

    service = frozenset(t.value for t in Topic if t.domain.value == "service")
    return {
        "start_us": workload.start_us,
        "end_us": workload.end_us,
        "stop_us": stop_us,
        "arrivals": arrivals,
        "agents": agents,
        "office": office,
        "incidents": incidents,
        "maintenances": maintenances,
        "nps": nps,
        "service_topics": service,
    }


def run_floor(
    data: dict[str, Any],
    progress: Callable[[int, int], None] | None = None,
    count: dict[str, int] | None = None,
) -> dict[str, Any]:
    """The month by hand: returns the outcomes and counters :func:`compare` checks.

    ``progress(done, total)`` is called as the simulator calls it (every 256 arrivals);
    ``count``, when given, is the dict the floor keeps its counters in (commands, loop
    events, SLA marks, escalations and notifications), for a progress callback to read.
    """
    office_add = business_adder(*data["office"])
    plans: dict[tuple[bool, str], tuple[Any, tuple[Any, ...], tuple[Any, ...]]] = {}
    for enterprise, table in ((True, ENTERPRISE), (False, STANDARD)):
        for priority, (first, resolution) in table.items():
            plans[enterprise, priority] = (
                _always if enterprise else office_add,
                _amounts(int(first * US_PER_HOUR)),
                _amounts(int(resolution * US_PER_HOUR)),
            )
    arrivals = data["arrivals"]
    service_topics = data["service_topics"]
    start_us = data["start_us"]
    end_us = data["end_us"]
    stop_us = data["stop_us"]
    heap: list[tuple[int, int, int, Any]] = []
    seq = 0
    tiers = sorted({a[1] for a in data["agents"]})
    queues: dict[int, list[deque[tuple[int, dict[str, Any]]]]] = {
        t: [deque() for _ in range(4)] for t in tiers
    }
    idle: dict[int, set[int]] = {t: set() for t in tiers}
    agents: list[dict[str, Any]] = []
    for index, (agent_id, tier, capacity, starts, ends) in enumerate(data["agents"]):
        agents.append(
            {
                "index": index,
                "id": agent_id,
                "tier": tier,
                "capacity": capacity,
                "starts": starts,
                "ends": ends,
                "available": False,
                "busy": False,
                "active": 0,
                "own": deque(),
                "idle": idle[tier],
            }
        )
    staffed: dict[int, int] = {}
    open_cases: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, list[Any]] = {}
    order: list[str] = []
    backlog: list[tuple[int, int]] = []
    incidents: dict[str, dict[str, Any]] = {}
    # Feedback programs: their event lists (surveys scheduled, sent, answered) and, for
    # CSAT, the tickets waiting for their survey.
    csat_programs: dict[tuple[int, int], tuple[list[Any], list[tuple[int, Any]]]] = {}
    csat_current: list[Any] = []  # [key, history, pending] of the program taking surveys
    programs: list[list[Any]] = []
    maintenances: list[dict[str, Any]] = []
    nps_scores: list[int] = []
    if count is None:
        count = {}
    count.update(commands=0, events=0, notices=0, unsolved=0, marks=0, escalations=0, recorded=0)
    now = start_us
    next_sample = start_us

    def push(us: int, kind: int, ref: Any) -> None:
        nonlocal seq
        heapq.heappush(heap, (us, seq, kind, ref))
        seq += 1

    def staffed_tier(tier: int) -> int:
        known = staffed.get(tier)
        if known is None:
            below = [t for t in tiers if t <= tier]
            known = staffed[tier] = below[-1] if below else tiers[0]
        return known

    # -- the ticket: SLA marks and escalation -------------------------------------------

    def clock(add: Callable[[int, int], int], begin: int, amounts: Any) -> list[Any]:
        return [(add(begin, amount), fraction) for amount, fraction in amounts]

    def record(case: dict[str, Any], event: tuple[Any, ...]) -> None:
        case["history"].append(event)
        count["recorded"] += 1

    def catch_up(case: dict[str, Any], at: int) -> None:
        """Record the marks due at or before ``at`` and the escalations they trigger."""
        first = case["fr"]
        if first and first[0][0] <= at:
            while first and first[0][0] <= at:
                stamp, fraction = first.pop(0)
                count["marks"] += 1
                if fraction == 1.0:
                    record(case, ("sla_breached", stamp, "first_reply"))
                    case["breached"].append("first_reply")
                else:
                    record(case, ("sla_threshold_reached", stamp, "first_reply", fraction))
                    case["warnings"] += 1
                    if fraction == 0.75 and not case["notified"]:
                        case["notified"] = True
                        record(case, ("ticket_manager_notified", stamp, "lead"))
                        count["escalations"] += 1
        resolution = case["rs"]
        if resolution and resolution[0][0] <= at:
            while resolution and resolution[0][0] <= at:
                stamp, fraction = resolution.pop(0)
                count["marks"] += 1
                if fraction == 1.0:
                    record(case, ("sla_breached", stamp, "resolution"))
                    case["breached"].append("resolution")
                    if not case["fired"] and case["ttier"] < TOP_TIER:
                        case["fired"] = True
                        case["ttier"] += 1
                        case["escalations"] += 1
                        record(case, ("ticket_escalated", stamp, case["ttier"]))
                        count["escalations"] += 1
                else:
                    record(case, ("sla_threshold_reached", stamp, "resolution", fraction))
                    case["warnings"] += 1

    def next_deadline(case: dict[str, Any]) -> int | None:
        status = case["status"]
        if status == "solved":
            return case["tsolved"] + AUTO_CLOSE_US
        if status == "closed":
            return None
        first = case["fr"]
        resolution = case["rs"]
        if first:
            if resolution and resolution[0][0] < first[0][0]:
                return resolution[0][0]
            return first[0][0]
        return resolution[0][0] if resolution else None

    def assign(case: dict[str, Any], agent_id: str, at: int) -> None:
        catch_up(case, at)
        if case["assignee"] is not None and case["assignee"] != agent_id:
            case["reassignments"] += 1
        case["assignee"] = agent_id
        record(case, ("ticket_assigned", at, agent_id))

    def reply(case: dict[str, Any], at: int) -> None:
        catch_up(case, at)
        case["replies"] += 1
        case["fr"] = None
        if case["status"] == "new":
            case["status"] = "open"
        record(case, ("ticket_replied", at))

    def status_change(case: dict[str, Any], status: str, at: int) -> None:
        catch_up(case, at)
        record(case, ("ticket_status_changed", at, case["status"], status))
        case["status"] = status

    def solve(case: dict[str, Any], at: int) -> None:
        catch_up(case, at)
        case["status"] = "solved"
        case["tsolved"] = at
        case["fr"] = case["rs"] = None
        record(case, ("ticket_solved", at))

    def customer_message(case: dict[str, Any], at: int) -> None:
        catch_up(case, at)
        if case["status"] == "solved":  # a reopen: a new resolution cycle
            case["reopens"] += 1
            case["fired"] = False
            case["rs"] = clock(case["add"], at, case["rs_amounts"])
        case["status"] = "open"
        record(case, ("ticket_customer_messaged", at))

    # -- the desk -------------------------------------------------------------------------

    def schedule_deadline(case: dict[str, Any]) -> None:
        due = next_deadline(case)
        if due is None:
            case["deadline"] = None
        elif due != case["deadline"]:
            case["deadline"] = due
            push(due if due > now else now, DEADLINE, (case, due))

    def enqueue(case: dict[str, Any]) -> None:
        case["stage"] = WAITING
        case["agent"] = -1
        case["token"] = token = case["token"] + 1
        tier = case["tier"]
        queues[tier][RANK[case["a"][A_PRIORITY]]].append((token, case))
        waiting = idle[tier]
        if waiting:
            start_work(agents[min(waiting)])

    def next_waiting(tier: int) -> dict[str, Any] | None:
        for queue in reversed(queues[tier]):
            while queue:
                token, case = queue.popleft()
                if token == case["token"] and case["stage"] == WAITING:
                    return case
        return None

    def start_work(agent: dict[str, Any]) -> None:
        case = None
        own = agent["own"]
        index = agent["index"]
        while own:
            candidate = own.popleft()
            if candidate["agent"] == index and candidate["stage"] == WORKING:
                case = candidate
                break
        if case is None and agent["active"] < agent["capacity"]:
            case = next_waiting(agent["tier"])
            if case is not None:
                if case["assignee"] != agent["id"]:
                    assign(case, agent["id"], now)
                    count["commands"] += 1
                case["agent"] = index
                case["stage"] = WORKING
                agent["active"] += 1
                schedule_deadline(case)
        if case is None:
            agent["busy"] = False
            if agent["active"] < agent["capacity"]:
                agent["idle"].add(index)
            else:
                agent["idle"].discard(index)
            return
        agent["busy"] = True
        agent["idle"].discard(index)
        handle = case["a"][A_HANDLE]
        if case["first_reply_us"] is not None:
            handle = max(US_PER_MINUTE, handle // 2)
        push(now + handle, TOUCH_DONE, (agent, case))

    def release(agent: dict[str, Any]) -> None:
        agent["active"] -= 1
        if agent["available"] and not agent["busy"]:
            start_work(agent)

    def follow_tier(case: dict[str, Any]) -> None:
        if case["stage"] < SOLVED:
            tier = staffed_tier(case["ttier"])
            if tier != case["tier"]:
                case["tier"] = tier
                if case["agent"] >= 0:
                    release(agents[case["agent"]])
                if case["stage"] == PARKED:
                    case["agent"] = -1
                    return
                enqueue(case)

    def back_to_agent(case: dict[str, Any], reopened: bool = False) -> None:
        case["stage"] = WORKING
        if case["agent"] >= 0:
            agent = agents[case["agent"]]
            if agent["available"]:
                if reopened:
                    agent["active"] += 1
                agent["own"].append(case)
                if not agent["busy"]:
                    start_work(agent)
                return
            if not reopened:
                release(agent)
        enqueue(case)

    def plan_csat(case: dict[str, Any]) -> None:
        hour = now // US_PER_HOUR
        same = bool(csat_current) and csat_current[0][0] == hour
        if not same or len(csat_current[2]) >= SURVEYS_PER_PROGRAM:
            key = (hour, csat_current[0][1] + 1 if same else 0)
            history: list[Any] = [("program_created", now, f"CSAT-{hour}-{key[1]}")]
            pending: list[tuple[int, dict[str, Any]]] = []
            csat_programs[key] = (history, pending)
            csat_current[:] = [key, history, pending]
            push((hour + 1) * US_PER_HOUR + CSAT_DELAY_US, PROACTIVE, ("csat", key))
        history, pending = csat_current[1], csat_current[2]
        arrival = case["a"]
        survey = f"{history[0][2]}-{len(pending) + 1}"
        history.append(("csat_scheduled", now, survey, arrival[A_ID], arrival[A_CUSTOMER]))
        pending.append((now, case))

    def csat_score(case: dict[str, Any]) -> int:
        draw = case["a"][A_CSAT_DRAW] or 0.0
        if case["breached"] or case["reopened"]:
            table = CSAT_POOR
        elif case["escalations"] or case["a"][A_NEEDS_INFO]:
            table = CSAT_FAIR
        else:
            table = CSAT_GOOD
        for score, cumulative in enumerate(table, 1):
            if draw < cumulative:
                return score
        return 5

    def solved(case: dict[str, Any], agent: dict[str, Any] | None) -> None:
        case["stage"] = SOLVED
        case["solved_us"] = now
        count["unsolved"] -= 1
        if agent is not None:
            release(agent)
        arrival = case["a"]
        if arrival[A_REOPENS] and not case["reopened"]:
            push(now + arrival[A_REOPEN_DELAY], CUSTOMER, ("reopen", case))
            return
        if arrival[A_CONFIRM_DELAY] is not None:
            push(now + arrival[A_CONFIRM_DELAY], CUSTOMER, ("confirm", case))
        if arrival[A_CSAT_DRAW] is not None:
            plan_csat(case)

    def done(case: dict[str, Any]) -> None:
        arrival = case["a"]
        case["deadline"] = None
        del open_cases[arrival[A_ID]]
        outcomes[arrival[A_ID]] = [
            arrival[A_ID],
            case["tier"],
            case["first_reply_us"],
            case["solved_us"],
            case["stage"] == CLOSED,
            tuple(case["breached"]),
            case["warnings"],
            case["escalations"],
            case["reopens"],
            case["reassignments"],
            case["status"] in ("solved", "closed")
            and case["replies"] == 1
            and case["reopens"] == 0,
            case["csat"],
            case["assignee"],
            len(case["history"]),
            case["status"],
        ]

    def closed(case: dict[str, Any]) -> None:
        case["stage"] = CLOSED
        done(case)

    def arrive(arrival: tuple[Any, ...]) -> None:
        at = arrival[A_AT]
        tier = 1 if arrival[A_TOPIC] in service_topics else 2
        add, fr_amounts, rs_amounts = plans[arrival[A_SEGMENT] == "enterprise", arrival[A_PRIORITY]]
        case = {
            "a": arrival,
            "tier": staffed_tier(tier),
            "agent": -1,
            "stage": WAITING,
            "asked": False,
            "held": False,
            "reopened": False,
            "deadline": None,
            "token": 0,
            "first_reply_us": None,
            "solved_us": None,
            "csat": None,
            # the ticket
            "status": "new",
            "ttier": tier,
            "assignee": None,
            "reassignments": 0,
            "replies": 0,
            "reopens": 0,
            "tsolved": None,
            "history": [("ticket_opened", at, arrival[A_ID])],
            "warnings": 0,
            "breached": [],
            "escalations": 0,
            "notified": False,
            "fired": False,
            "add": add,
            "rs_amounts": rs_amounts,
            "fr": clock(add, at, fr_amounts),
            "rs": clock(add, at, rs_amounts),
        }
        count["commands"] += 1
        count["recorded"] += 1
        open_cases[arrival[A_ID]] = case
        order.append(arrival[A_ID])
        count["unsolved"] += 1
        incident_id = arrival[A_INCIDENT]
        incident = incidents.get(incident_id) if incident_id else None
        if incident is not None and incident["status"] != "resolved":
            incident["cases"].append(case)
            incident["history"].append(("linked", at, arrival[A_ID]))
        enqueue(case)
        schedule_deadline(case)

    def touch(agent: dict[str, Any], case: dict[str, Any]) -> None:
        arrival = case["a"]
        reply(case, now)
        count["commands"] += 1
        if case["first_reply_us"] is None:
            case["first_reply_us"] = now - arrival[A_AT]
        if arrival[A_NEEDS_INFO] and not case["asked"]:
            case["asked"] = True
            status_change(case, "pending", now)
            case["stage"] = PARKED
            push(now + arrival[A_REPLY_DELAY], CUSTOMER, ("reply", case))
        elif arrival[A_HOLD] and not case["held"]:
            case["held"] = True
            status_change(case, "on_hold", now)
            case["stage"] = PARKED
            push(now + arrival[A_HOLD], CUSTOMER, ("resume", case))
        else:
            solve(case, now)
            solved(case, agent)
        count["commands"] += 1
        follow_tier(case)
        schedule_deadline(case)

    def customer(ref: tuple[str, dict[str, Any]]) -> None:
        action, case = ref
        stage = case["stage"]
        if action == "reply":
            if stage != PARKED:
                return
            customer_message(case, now)
            back_to_agent(case)
        elif action == "resume":
            if stage != PARKED:
                return
            status_change(case, "open", now)
            back_to_agent(case)
        elif action == "reopen":
            if stage != SOLVED:
                return
            customer_message(case, now)
            case["reopened"] = True
            count["unsolved"] += 1
            back_to_agent(case, reopened=True)
        elif action == "confirm":
            if stage != SOLVED:
                return
            status_change(case, "closed", now)
            closed(case)
            return
        count["commands"] += 1
        follow_tier(case)
        schedule_deadline(case)

    def deadline(case: dict[str, Any]) -> None:
        case["deadline"] = None
        if case["stage"] == SOLVED and case["tsolved"] + AUTO_CLOSE_US <= now:
            status_change(case, "closed", now)
            count["commands"] += 1
            closed(case)
            return
        catch_up(case, now)  # evaluate
        count["commands"] += 1
        follow_tier(case)
        schedule_deadline(case)

    def shift(agent: dict[str, Any]) -> None:
        starts, ends = agent["starts"], agent["ends"]
        i = bisect_right(starts, now) - 1
        if i >= 0 and now < ends[i] and not agent["available"]:
            agent["available"] = True
            push(ends[i], SHIFT, agent)
            if not agent["busy"]:
                start_work(agent)
            return
        agent["available"] = False
        idle[agent["tier"]].discard(agent["index"])
        own = agent["own"]
        while own:
            case = own.popleft()
            if case["agent"] == agent["index"] and case["stage"] == WORKING:
                agent["active"] -= 1
                enqueue(case)
        following = next_start(agent, now + 1)
        if following is not None and following <= stop_us:
            push(following, SHIFT, agent)

    def next_start(agent: dict[str, Any], us: int) -> int | None:
        starts, ends = agent["starts"], agent["ends"]
        i = bisect_right(starts, us) - 1
        if i >= 0 and us < ends[i]:
            return us
        return starts[i + 1] if i + 1 < len(starts) else None

    def resolve_incident(incident: dict[str, Any]) -> None:
        cases = incident["cases"]
        incident["status"] = "resolved"
        todo = [case for case in cases if case["status"] not in ("solved", "closed")]
        incident["history"].append(("resolved", now, tuple(case["a"][A_ID] for case in todo)))
        for case in todo:
            if case["assignee"] is None:
                assign(case, "incident-desk", now)
            reply(case, now)
            solve(case, now)
        for case in todo:
            case["stage"] = SOLVED
            case["token"] += 1
        for case in todo:
            count["commands"] += 1
            if case["first_reply_us"] is None:
                case["first_reply_us"] = now - case["a"][A_AT]
            solved(case, agents[case["agent"]] if case["agent"] >= 0 else None)
            case["agent"] = -1
            schedule_deadline(case)

    def maintenance_next(m: dict[str, Any]) -> None:
        if m["state"] != "scheduled":
            return
        due = m["notices"][0][0] if m["notices"] else m["starts"]
        if due >= m["starts"]:
            push(m["starts"], PROACTIVE, ("maintenance_start", m))
        else:
            push(max(due, now), PROACTIVE, ("maintenance_due", m))

    def maintenance_notices(m: dict[str, Any]) -> None:
        notices = m["notices"]
        while notices and notices[0][0] <= now:
            due, lead = notices.pop(0)
            m["history"].append(("notice_sent", due, -lead))
            count["notices"] += 1

    def proactive(ref: tuple[str, Any]) -> None:
        action, plan = ref
        if action == "csat":
            history, pending = csat_programs.pop(plan)
            surveys = [event[2] for event in history[1:]]
            for survey in surveys:
                history.append(("survey_sent", now, survey))
            for survey, (_, case) in zip(surveys, pending, strict=True):
                score = case["csat"] = csat_score(case)
                history.append(("response", now, survey, score, case["a"][A_CHANNEL]))
                if case["stage"] == CLOSED and case["a"][A_ID] in outcomes:
                    outcomes[case["a"][A_ID]][11] = score
            programs.append(history)
        elif action == "incident_declare":
            incidents[plan[0]] = {
                "status": "investigating",
                "cases": [],
                "history": [("declared", now, plan[0])],
            }
            push(plan[2], PROACTIVE, ("incident_identify", plan))
        elif action == "incident_identify":
            incidents[plan[0]]["status"] = "identified"
            incidents[plan[0]]["history"].append(("identified", now))
            push(plan[3], PROACTIVE, ("incident_monitor", plan))
        elif action == "incident_monitor":
            incidents[plan[0]]["status"] = "monitoring"
            incidents[plan[0]]["history"].append(("monitoring", now))
            push(plan[4], PROACTIVE, ("incident_resolve", plan))
        elif action == "incident_resolve":
            resolve_incident(incidents[plan[0]])
        elif action == "maintenance_schedule":
            scheduled, starts = plan[1], plan[2]
            notices = []
            missed = None
            for lead in LEAD_TIMES_US:
                if starts - lead < scheduled:
                    missed = lead
                else:
                    notices.append((starts - lead, -lead))
            if missed is not None:
                notices.append((scheduled, -missed))
            notices.sort()
            m = {
                "plan": plan,
                "starts": starts,
                "state": "scheduled",
                "notices": notices,
                "history": [("scheduled", now, plan[0])],
            }
            maintenances.append(m)
            maintenance_next(m)
        elif action == "maintenance_due":
            maintenance_notices(plan)
            maintenance_next(plan)
        elif action == "maintenance_start":
            maintenance_notices(plan)
            plan["state"] = "in_progress"
            plan["history"].append(("started", now))
            push(plan["plan"][3], PROACTIVE, ("maintenance_verify", plan))
        elif action == "maintenance_verify":
            plan["state"] = "verifying"
            plan["history"].append(("verifying", now))
            push(plan["plan"][4], PROACTIVE, ("maintenance_complete", plan))
        elif action == "maintenance_complete":
            plan["state"] = "completed"
            plan["history"].append(("completed", now))
        elif action == "nps":
            hour, answers = plan
            nps: list[Any] = [("program_created", now, f"NPS-{hour}")]
            for customer_id, _, _ in answers:
                nps.append(("enrolled", now, customer_id))
            for customer_id, _, _ in answers:
                nps.append(("survey_sent", now, customer_id))
            for customer_id, _, score in answers:
                nps.append(("response", now, customer_id, score))
                nps_scores.append(score)
            programs.append(nps)

    # -- the loop -------------------------------------------------------------------------

    for agent in agents:
        first = next_start(agent, start_us)
        if first is not None:
            push(first, SHIFT, agent)
    for plan in data["incidents"]:
        push(plan[1], PROACTIVE, ("incident_declare", plan))
    for mplan in data["maintenances"]:
        push(mplan[1], PROACTIVE, ("maintenance_schedule", mplan))
    by_hour: dict[int, list[Any]] = {}
    for answer in data["nps"]:
        by_hour.setdefault(answer[1] // US_PER_HOUR, []).append(answer)
    for hour, answers in sorted(by_hour.items()):
        push((hour + 1) * US_PER_HOUR, PROACTIVE, ("nps", (hour, answers)))

    total = len(arrivals)
    index = 0
    next_arrival = arrivals[0][A_AT] if arrivals else None
    events = 0
    while True:
        if next_arrival is not None and (not heap or next_arrival <= heap[0][0]):
            now = next_arrival
            while next_sample <= now:
                backlog.append((next_sample, count["unsolved"]))
                next_sample += US_PER_HOUR
            arrive(arrivals[index])
            index += 1
            next_arrival = arrivals[index][A_AT] if index < total else None
            if progress is not None and (index & 255 == 0 or index == total):
                count["events"] = events
                progress(index, total)
            continue
        if not heap:
            break
        at, _, kind, ref = heapq.heappop(heap)
        if at > stop_us:
            break
        now = at
        while next_sample <= now:
            backlog.append((next_sample, count["unsolved"]))
            next_sample += US_PER_HOUR
        events += 1
        if kind == DEADLINE:
            case, due = ref
            if case["deadline"] == due:
                deadline(case)
        elif kind == TOUCH_DONE:
            agent, case = ref
            if case["agent"] == agent["index"] and case["stage"] == WORKING:
                touch(agent, case)
            agent["busy"] = False
            if agent["available"]:
                start_work(agent)
        elif kind == CUSTOMER:
            customer(ref)
        elif kind == SHIFT:
            shift(ref)
        else:
            proactive(ref)
        if next_arrival is None and not open_cases and now >= end_us:
            break
    now = min(now, stop_us)
    while next_sample <= now:
        backlog.append((next_sample, count["unsolved"]))
        next_sample += US_PER_HOUR
    for case in list(open_cases.values()):
        done(case)
    return {
        "outcomes": [tuple(outcomes[ticket_id]) for ticket_id in order],
        "events": events,
        "commands": count["commands"],
        "backlog": backlog,
        "notices": count["notices"],
        "nps_scores": nps_scores,
        "marks": count["marks"],
        "stopped_us": now,
    }


def supportflow_results(run: Any) -> dict[str, Any]:
    """The same figures from a ``SimulationRun`` (history lengths need ``keep_tickets``)."""
    lengths = {t.id: len(t.history) for t in run.tickets}
    statuses = {t.id: str(t.status) for t in run.tickets}
    return {
        "outcomes": [
            (
                o.ticket_id,
                o.tier,
                o.first_reply_us,
                o.solved_us,
                o.closed,
                o.breached,
                o.warnings,
                o.escalations,
                o.reopens,
                o.reassignments,
                o.first_contact_resolution,
                o.csat,
                o.agent,
                lengths.get(o.ticket_id),
                statuses.get(o.ticket_id),
            )
            for o in run.outcomes
        ],
        "events": run.events,
        "commands": run.commands,
        "backlog": list(run.backlog),
        "notices": run.notices_sent,
        "nps_scores": list(run.nps_scores),
        "stopped_us": run.stopped_us,
    }


FIELDS = (
    "ticket_id",
    "tier",
    "first_reply_us",
    "solved_us",
    "closed",
    "breached",
    "warnings",
    "escalations",
    "reopens",
    "reassignments",
    "first_contact_resolution",
    "csat",
    "agent",
    "history_length",
    "status",
)


def compare(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Raise AssertionError, naming the first difference, unless the runs agree."""
    assert len(mine["outcomes"]) == len(theirs["outcomes"]), "ticket counts differ"
    for a, b in zip(mine["outcomes"], theirs["outcomes"], strict=True):
        if a != b:
            diff = {f: (x, y) for f, x, y in zip(FIELDS, a, b, strict=True) if x != y}
            raise AssertionError(f"ticket {b[0]}: floor vs supportflow {diff}")
    for key in ("events", "commands", "notices", "stopped_us"):
        assert mine[key] == theirs[key], f"{key}: floor {mine[key]} vs {theirs[key]}"
    assert mine["backlog"] == theirs["backlog"], "hourly backlog differs"
    assert mine["nps_scores"] == theirs["nps_scores"], "NPS scores differ"


# -- measurements (bench_scale.py --floor) ----------------------------------------------


def check(workload: Any, scenario: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Run both on ``workload`` (the simulator keeping its tickets), assert they agree,
    and return what was compared, summed."""
    from supportflow.simulation import simulate

    run = simulate(workload, scenario, keep_tickets=True)
    theirs = supportflow_results(run)
    del run
    paused = gc.isenabled()
    gc.disable()
    try:
        mine = run_floor(data)
    finally:
        if paused:
            gc.enable()
    compare(mine, theirs)
    outcomes = theirs["outcomes"]
    breaches: dict[str, int] = {}
    for outcome in outcomes:
        for metric in outcome[5]:
            breaches[metric] = breaches.get(metric, 0) + 1
    return {
        "tickets": len(outcomes),
        "closed": sum(1 for o in outcomes if o[4]),
        "breaches": dict(sorted(breaches.items())),
        "warnings": sum(o[6] for o in outcomes),
        "escalations": sum(o[7] for o in outcomes),
        "history_events": sum(o[13] for o in outcomes),
        "open_at_end": sum(1 for o in outcomes if not o[4]),
        "final_statuses": dict(sorted(Counter(o[14] for o in outcomes).items())),
        "backlog_at_end": theirs["backlog"][-1][1],
        "commands": theirs["commands"],
        "events": theirs["events"],
        "marks": mine["marks"],
    }


def _floor_cpu(data: dict[str, Any], **options: Any) -> float:
    """CPU seconds of one floor run, the collector paused as ``simulate`` pauses it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        began = time.process_time()
        run_floor(data, **options)
        return time.process_time() - began
    finally:
        if enabled:
            gc.enable()


def side_by_side(
    workload: Any, scenario: Any, data: dict[str, Any], rounds: int
) -> tuple[list[float], list[float]]:
    """CPU seconds of ``rounds`` runs of each, alternating (supportflow first)."""
    from supportflow.simulation import simulate

    ours: list[float] = []
    floor: list[float] = []
    for _ in range(rounds):
        began = time.process_time()
        simulate(workload, scenario)
        ours.append(time.process_time() - began)
        floor.append(_floor_cpu(data))
    return ours, floor


WORK = ("commands", "events", "recorded", "marks", "escalations")


def weeks(workload: Any) -> list[tuple[str, tuple[int, int]]]:
    """Each whole week of the workload as progress points (the nearest multiples of 256
    to its first and last arrival; the first week from 256)."""
    instants = [arrival.at_us for arrival in workload.arrivals]
    total = len(instants)
    spans = []
    for week in range(int((workload.end_us - workload.start_us) // (7 * US_PER_DAY))):
        begin = bisect_left(instants, workload.start_us + 7 * week * US_PER_DAY)
        end = bisect_left(instants, workload.start_us + 7 * (week + 1) * US_PER_DAY)
        a = max(256, round(begin / 256) * 256)
        b = min(total, round(end / 256) * 256) if end < total else total
        spans.append((f"week {week + 1}", (a, b)))
    return spans


def windows(total: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """The first and last tenth of the arrivals, as progress points (multiples of 256,
    the first one excluded so that the run's set-up is not counted)."""
    points = [*range(256, total, 256), total]
    tenth = total / 10
    first = (points[0], min(p for p in points if p >= tenth and p > points[0]))
    last = (max(p for p in points if p <= total - tenth), total)
    return first, last


class _Marks:
    """A progress callback that notes CPU time and counters at chosen progress points."""

    def __init__(self, points: set[int], read: Callable[[], dict[str, int]]) -> None:
        self.points = points
        self.read = read
        self.seen: dict[int, tuple[float, dict[str, int]]] = {}

    def __call__(self, done: int, total: int) -> None:
        if done in self.points:
            self.seen[done] = (time.process_time(), dict(self.read()))


def _marked_runs(
    workload: Any, scenario: Any, data: dict[str, Any], points: set[int]
) -> tuple[_Marks, _Marks, dict[str, int]]:
    """One run of each, noting CPU time and counters at ``points``."""
    from supportflow.simulation._engine import _Simulator

    simulator: Any = None
    ours = _Marks(points, lambda: {"commands": simulator.commands})
    simulator = _Simulator(workload, scenario, False, None, ours, dt.timedelta(days=7))
    enabled = gc.isenabled()
    gc.disable()
    try:
        simulator.run()
    finally:
        if enabled:
            gc.enable()
    count: dict[str, int] = {}
    floor = _Marks(points, lambda: count)
    _floor_cpu(data, progress=floor, count=count)
    return ours, floor, count


def per_tenth(
    workload: Any, scenario: Any, data: dict[str, Any], rounds: int = 1
) -> dict[str, Any]:
    """CPU per arrival in the first and last tenth of the arrivals and in each whole week,
    for supportflow and the floor (``rounds`` runs of each, alternated, the least CPU
    per window kept), and the work per arrival in each window (the floor's counters;
    supportflow's commands at the same points are asserted equal). Weeks compare like
    with like (the same weekdays and hours)."""
    total = len(workload.arrivals)
    first, last = windows(total)
    spans = [("first", first), ("last", last), *weeks(workload)]
    points = {point for _, span in spans for point in span}
    best_ours: dict[str, float] = {}
    best_floor: dict[str, float] = {}
    for _ in range(rounds):
        ours, floor, count = _marked_runs(workload, scenario, data, points)
        for name, (a, b) in spans:
            cpu_ours = ours.seen[b][0] - ours.seen[a][0]
            cpu_floor = floor.seen[b][0] - floor.seen[a][0]
            best_ours[name] = min(best_ours.get(name, cpu_ours), cpu_ours)
            best_floor[name] = min(best_floor.get(name, cpu_floor), cpu_floor)
    rows = {}
    for name, (a, b) in spans:
        arrivals = b - a
        work = {key: floor.seen[b][1][key] - floor.seen[a][1][key] for key in count}
        sf_commands = ours.seen[b][1]["commands"] - ours.seen[a][1]["commands"]
        assert sf_commands == work["commands"], (name, sf_commands, work["commands"])
        rows[name] = {
            "arrivals": (a, b),
            "supportflow_us": 1e6 * best_ours[name] / arrivals,
            "floor_us": 1e6 * best_floor[name] / arrivals,
            "per_arrival": {key: work[key] / arrivals for key in WORK},
        }
    return rows


def profile_tenths(workload: Any, scenario: Any, top: int = 12) -> dict[str, Any]:
    """cProfile of supportflow in the first and last tenth of the arrivals only: calls
    and tottime per arrival of the functions whose share grows most."""
    import cProfile
    import pstats

    from supportflow.simulation import simulate

    total = len(workload.arrivals)
    first, last = windows(total)
    profiles = {"first": cProfile.Profile(), "last": cProfile.Profile()}
    switches = {first[0]: ("first", True), first[1]: ("first", False)}
    switches[last[0]] = ("last", True)
    switches[last[1]] = ("last", False)

    def progress(done: int, total: int) -> None:
        switch = switches.get(done)
        if switch is not None:
            name, on = switch
            if on:
                profiles[name].enable()
            else:
                profiles[name].disable()

    simulate(workload, scenario, progress=progress)
    spans = {"first": first[1] - first[0], "last": last[1] - last[0]}
    table: dict[str, dict[tuple[str, int, str], tuple[float, float]]] = {}
    for name, profile in profiles.items():
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        table[name] = {
            func: (calls / spans[name], 1e6 * tottime / spans[name])
            for func, (_, calls, tottime, _, _) in stats.items()
        }
    growth = []
    for func, (calls, us) in table["last"].items():
        before_calls, before_us = table["first"].get(func, (0.0, 0.0))
        growth.append((us - before_us, func, before_calls, calls, before_us, us))
    growth.sort(reverse=True)
    totals = {name: sum(us for _, us in rows.values()) for name, rows in table.items()}
    watched = [row for row in growth if row[1][2] in WATCHED]
    watched.sort(key=lambda row: (row[1][2], row[1][0]))
    return {"totals_us": totals, "rows": growth[:top], "watched": watched}


#: The catch-up functions issue 22 names (SLA marks due, the escalation's cycle scan).
WATCHED = frozenset({"due_events", "_advance", "_quiet", "_keeps_due", "apply_us", "evaluate"})
