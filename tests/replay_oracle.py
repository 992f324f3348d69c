"""The command-replay oracle: could the public commands have recorded this history?

:func:`reproduce` takes a loaded aggregate (any of the six types), builds a fresh one
and re-issues, event by event, the public command that records each event, at the
event's instant, with arguments read from the event's fields. Events a command records
on its own (SLA warnings and escalations due before a ticket command, notices, no
answers and surveys recorded by ``evaluate``, the identities of a registration, the
actions of a response template) are matched as part of that command's output: every
command must record exactly the next events of the history, equal field by field.

It is written apart from the library's load checks: it only calls public commands and
reads public properties, so a history the checks let through but no command records
shows up as :class:`Irreproducible`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from supportflow import (
    Customer,
    EscalationPolicyVersions,
    FeedbackProgram,
    Incident,
    IncidentImpact,
    Maintenance,
    ProactiveCase,
    ResponseTemplate,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
    TicketStatus,
    Tier,
    TierLadder,
)
from supportflow._customers._customer import TimelineKind
from supportflow._sla._state import SLAVersionApplied, SLAVersionMode
from supportflow._tickets._tiers import (
    MAX_TIER,
    EscalationVersionApplied,
    EscalationVersionMode,
    TicketDeEscalated,
    TicketEscalated,
    TicketEscalationRequested,
    TicketManagerNotified,
)
from supportflow._vocabulary._ticket_events import (
    TicketAssigned,
    TicketCustomerMessaged,
    TicketLinked,
    TicketNoteAdded,
    TicketOpened,
    TicketPriorityChanged,
    TicketReplied,
    TicketSolved,
    TicketStatusChanged,
    TicketTagged,
    TicketUntagged,
)
from supportflow.events import (
    CustomerActivityRecorded,
    CustomerIdentityAdded,
    CustomerIdentityRemoved,
    CustomerPhaseChanged,
    CustomerRegistered,
    CustomerSegmentChanged,
    CustomerSurveyAnswered,
    CustomerUsageDropped,
    FeedbackCSATScheduled,
    FeedbackCustomerEnrolled,
    FeedbackCustomerUnenrolled,
    FeedbackProgramCreated,
    FeedbackProgramPaused,
    FeedbackProgramResumed,
    FeedbackProgramRetired,
    FeedbackResponseRecorded,
    FeedbackSurveyCancelled,
    IncidentDeclared,
    IncidentPostmortemPublished,
    IncidentResolved,
    IncidentTicketLinked,
    IncidentUpdatePosted,
    MaintenanceCancelled,
    MaintenanceCompleted,
    MaintenanceScheduled,
    MaintenanceStarted,
    MaintenanceVerificationStarted,
    ProactiveCaseAcknowledged,
    ProactiveCaseCancelled,
    ProactiveCaseClosed,
    ProactiveCaseDetected,
    ProactiveCaseNotified,
    ProactiveCasePlanned,
    ProactiveCaseProblemReported,
    ProactiveCaseResolved,
    ProactiveCaseTargeted,
)

__all__ = ["Irreproducible", "reproduce"]

_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_AGENT = "oracle"


class Irreproducible(AssertionError):
    """No public command records ``history[index]`` where it stands (``reason`` says why)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"history[{index}]: {reason}")
        self.index = index
        self.reason = reason


def _instant(us: object, index: int) -> _dt.datetime:
    if type(us) is not int:
        raise Irreproducible(index, f"instant {us!r} is not an int of microseconds")
    try:
        return _EPOCH + _dt.timedelta(microseconds=us)
    except OverflowError:
        raise Irreproducible(index, f"no command takes the instant {us} µs") from None


def _duration(us: object, index: int) -> _dt.timedelta:
    if type(us) is not int:
        raise Irreproducible(index, f"duration {us!r} is not an int of microseconds")
    try:
        return _dt.timedelta(microseconds=us)
    except OverflowError:
        raise Irreproducible(index, f"no command takes the duration {us} µs") from None


class _Replay:
    """Walks a history: each step issues one command and matches what it records."""

    def __init__(self, events: Sequence[Any]) -> None:
        self.events = tuple(events)
        self.index = 0
        self.obj: Any = None

    @property
    def event(self) -> Any:
        return self.events[self.index]

    def at(self, event: Any = None) -> _dt.datetime:
        return _instant((self.event if event is None else event).at_us, self.index)

    def issue(self, what: str, command: Callable[[], Any]) -> Any:
        before = 0 if self.obj is None else self.obj.version
        try:
            result = command()
        except SupportflowError as error:
            raise Irreproducible(self.index, f"{what} refused it: {error}") from None
        if self.obj is None:
            self.obj = result
        produced = self.obj.history[before:]
        expected = self.events[self.index : self.index + len(produced)]
        if not produced:
            raise Irreproducible(self.index, f"{what} records nothing here")
        if produced != expected:
            raise Irreproducible(
                self.index, f"{what} records {list(produced)!r}, the history has {list(expected)!r}"
            )
        self.index += len(produced)
        return result

    def run(self, step: Callable[[_Replay, Any], None]) -> Any:
        if not self.events:
            raise Irreproducible(0, "an empty history")
        while self.index < len(self.events):
            step(self, self.event)
        return self.obj


def _last_us(obj: Any) -> int:
    return max(event.at_us for event in obj.history)


def _evaluate(replay: _Replay, what: str = "evaluate") -> None:
    at = _instant(max(replay.event.at_us, _last_us(replay.obj)), replay.index)
    replay.issue(what, lambda: replay.obj.evaluate(at=at))


def _created(replay: _Replay, event: Any, kind: type) -> bool:
    """Whether ``event`` is the creation event, which must come first and only there."""
    if replay.obj is None:
        if not isinstance(event, kind):
            raise Irreproducible(0, f"a history starts with {kind.__name__}, not {event!r}")
        return True
    if isinstance(event, kind):
        raise Irreproducible(replay.index, f"a second {kind.__name__}")
    return False


# --- tickets -------------------------------------------------------------------------


def _opening_sla(replay: _Replay, sla: Any) -> Any:
    """The SLA configuration to open the ticket with: under SLAPolicyVersions, the same
    versions with the one the history opened under as current (the unversioned set when
    the history records none)."""
    if not isinstance(sla, SLAPolicyVersions):
        return sla
    second = replay.events[1] if len(replay.events) > 1 else None
    opened = None
    if type(second) is SLAVersionApplied and second.mode == SLAVersionMode.OPENED:
        opened = second.version
    if opened not in sla:
        raise Irreproducible(1, f"no SLA policy version {opened!r} among {sla.versions!r}")
    return SLAPolicyVersions(list(sla), current=opened)


def _opening_escalation(replay: _Replay, escalation: Any) -> Any:
    """The escalation configuration to open the ticket with: under
    EscalationPolicyVersions, the same versions with the one the history opened under as
    current (the unversioned policy when the history records none)."""
    if not isinstance(escalation, EscalationPolicyVersions):
        return escalation
    opened = None
    for event in replay.events[1:3]:
        if type(event) is EscalationVersionApplied and event.mode == EscalationVersionMode.OPENED:
            opened = event.version
    if opened not in escalation:
        raise Irreproducible(
            1, f"no escalation policy version {opened!r} among {escalation.versions!r}"
        )
    return EscalationPolicyVersions(list(escalation), current=opened)


def _open_ticket(replay: _Replay, event: TicketOpened, config: dict[str, Any]) -> None:
    at = replay.at()
    fields = {
        "customer_id": event.customer_id,
        "subject": event.subject,
        "topic": event.topic,
        "channel": event.channel,
        "priority": event.priority,
        "phase": event.phase,
        "tags": sorted(event.tags) if isinstance(event.tags, frozenset) else event.tags,
        "team": event.team,
        "tier": event.tier,
        "segment": event.segment,
        "auto_close_after": _duration(event.auto_close_after_us, 0),
        "sla": _opening_sla(replay, config.get("sla")),
        "escalation": _opening_escalation(replay, config.get("escalation")),
        "at": at,
    }
    if event.follow_up_of is None:
        replay.issue("Ticket.open", lambda: Ticket.open(event.ticket_id, body=event.body, **fields))
        return
    if event.body is None:
        raise Irreproducible(0, "a follow-up always carries the customer's body")

    def follow_up() -> Ticket:
        earlier = Ticket.open(event.follow_up_of, body=None, **fields)  # type: ignore[arg-type]
        earlier.assign(_AGENT, at=at)
        earlier.solve("solved", at=at)
        earlier.confirm(at=at)
        return earlier.follow_up(event.ticket_id, body=event.body, at=at)

    replay.issue("Ticket.follow_up", follow_up)


def _template_reply(replay: _Replay, event: TicketReplied) -> None:
    """A reply from a response template, with the actions it may have recorded with it
    (in the template's order: priority, tags, status), the most actions first."""
    ticket: Ticket = replay.obj
    actions: list[tuple[str, Any]] = []
    resolution = None
    for later in replay.events[replay.index + 1 :]:
        order = [name for name, _ in actions]
        if later.at_us != event.at_us or "set_status" in order:
            break
        if (
            type(later) is TicketPriorityChanged
            and not order
            and later.reason == f"template {event.template}"
        ):
            actions.append(("set_priority", later.to_priority))
        elif type(later) is TicketTagged and "add_tags" not in order:
            actions.append(("add_tags", sorted(later.tags)))
        elif type(later) is TicketStatusChanged and later.trigger in (
            "resume",
            "set_pending",
            "put_on_hold",
        ):
            actions.append(("set_status", later.to_status))
        elif type(later) is TicketSolved and later.actor == event.author:
            actions.append(("set_status", TicketStatus.SOLVED))
            resolution = later.resolution
        else:
            break
    body = str(event.body).replace("{", "{{").replace("}", "}}")
    problem: Irreproducible | None = None
    for count in range(len(actions), -1, -1):
        chosen = dict(actions[:count])

        def apply(chosen: dict[str, Any] = chosen) -> None:
            template = ResponseTemplate(str(event.template), body, **chosen)
            solving = chosen.get("set_status") is TicketStatus.SOLVED
            ticket.apply_template(
                template,
                agent=event.author,
                resolution=resolution if solving else None,
                at=replay.at(),
            )

        try:
            replay.issue("Ticket.apply_template", apply)
            return
        except Irreproducible as error:
            problem = problem or error
    assert problem is not None
    raise problem


def _ladders(ticket: Ticket, event: TicketEscalated | TicketDeEscalated) -> list[TierLadder | None]:
    """The ladders a tier move may have used: the ticket's own, then one holding both ends."""
    ladders: list[TierLadder | None] = [None]
    levels = [tier for tier in (event.from_tier, event.to_tier) if type(tier) is int]
    if not levels or min(levels) < 0 or max(levels) > MAX_TIER:
        return ladders
    teams: dict[int, list[str]] = {}
    for tier, team in ((event.to_tier, event.to_team), (event.from_tier, event.from_team)):
        taken = [t for group in teams.values() for t in group]
        if type(tier) is int and isinstance(team, str) and team not in taken:
            teams.setdefault(tier, []).append(team)
    with contextlib.suppress(SupportflowError):
        ladders.append(
            TierLadder(
                Tier(level, f"tier {level}", teams.get(level) or [f"oracle_{level}"])
                for level in range(min(levels), max(levels) + 1)
            )
        )
    return ladders


def _move_tier(replay: _Replay, event: TicketEscalated | TicketDeEscalated) -> None:
    ticket: Ticket = replay.obj
    command = ticket.escalate if type(event) is TicketEscalated else ticket.de_escalate
    problem: Irreproducible | None = None
    for ladder in _ladders(ticket, event):
        try:
            replay.issue(
                f"Ticket.{command.__name__}",
                lambda ladder=ladder: command(
                    reason=event.reason,
                    actor=event.actor,  # type: ignore[arg-type]
                    to_tier=event.to_tier,
                    team=event.to_team,
                    ladder=ladder,
                    at=replay.at(),
                ),
            )
            return
        except Irreproducible as error:
            problem = problem or error
    assert problem is not None
    raise problem


def _ticket_step(config: dict[str, Any]) -> Callable[[_Replay, Any], None]:
    def step(replay: _Replay, event: Any) -> None:
        if _created(replay, event, TicketOpened):
            _open_ticket(replay, event, config)
            return
        ticket: Ticket = replay.obj
        at = replay.at()
        kind = type(event)
        if kind is TicketAssigned:
            replay.issue(
                "assign",
                lambda: ticket.assign(event.agent, team=event.team, actor=event.actor, at=at),
            )
        elif kind is TicketReplied:
            if event.template is not None:
                _template_reply(replay, event)
            else:
                replay.issue(
                    "reply",
                    lambda: ticket.reply(event.author, event.body, channel=event.channel, at=at),
                )
        elif kind is TicketNoteAdded:
            replay.issue("add_note", lambda: ticket.add_note(event.author, event.body, at=at))
        elif kind is TicketCustomerMessaged:
            replay.issue(
                "customer_message",
                lambda: ticket.customer_message(event.body, channel=event.channel, at=at),
            )
        elif kind is TicketStatusChanged:
            trigger = event.trigger
            if trigger not in ("set_pending", "put_on_hold", "resume", "confirm", "auto_close"):
                raise Irreproducible(replay.index, f"no status command named {trigger!r}")
            replay.issue(trigger, lambda: getattr(ticket, trigger)(at=at))
        elif kind is TicketSolved:
            replay.issue("solve", lambda: ticket.solve(event.resolution, actor=event.actor, at=at))
        elif kind is TicketPriorityChanged:
            replay.issue(
                "change_priority",
                lambda: ticket.change_priority(event.to_priority, reason=event.reason, at=at),
            )
        elif kind is TicketTagged or kind is TicketUntagged:
            command = ticket.tag if kind is TicketTagged else ticket.untag
            tags = sorted(event.tags) if isinstance(event.tags, frozenset) else [event.tags]
            replay.issue(command.__name__, lambda: command(*tags, at=at))
        elif kind is TicketLinked:
            replay.issue("link", lambda: ticket.link(event.other_id, at=at))
        elif kind in (TicketEscalated, TicketDeEscalated) and getattr(event, "rule", None) is None:
            _move_tier(replay, event)
        elif kind is TicketManagerNotified and event.rule is None:
            replay.issue(
                "notify_manager",
                lambda: ticket.notify_manager(
                    role=event.role, reason=event.reason, actor=event.actor, at=at
                ),
            )
        elif kind is SLAVersionApplied and event.mode != SLAVersionMode.OPENED:
            repair = event.mode == SLAVersionMode.REPAIR
            command = ticket.repair_sla if repair else ticket.apply_sla_version
            replay.issue(command.__name__, lambda: command(event.version, at=at))
        elif kind is EscalationVersionApplied and event.mode != EscalationVersionMode.OPENED:
            replay.issue(
                "apply_escalation_version",
                lambda: ticket.apply_escalation_version(event.version, at=at),
            )
        elif kind is TicketEscalationRequested:
            replay.issue(
                "request_escalation",
                lambda: ticket.request_escalation(
                    reason=event.reason, channel=event.channel, at=at
                ),
            )
        else:  # SLA warnings and breaches, a policy's escalations: recorded by evaluation
            _evaluate(replay, "Ticket.evaluate")

    return step


# --- incidents -------------------------------------------------------------------------

_TEMPLATE = ResponseTemplate("incident-resolved", "Fixed with incident {incident.id}.")


def _resolve_incident(replay: _Replay, event: IncidentResolved) -> None:
    incident: Incident = replay.obj
    at = replay.at()
    solved = event.solved_ticket_ids
    if not isinstance(solved, tuple) or not all(isinstance(i, str) for i in solved):
        raise Irreproducible(replay.index, f"solved_ticket_ids {solved!r}")

    def ticket(ticket_id: str, unsolved: bool) -> Ticket:
        made = Ticket.open(
            ticket_id,
            customer_id="C-1",
            subject="down",
            topic="troubleshooting",
            channel="email",
            at=at,
        )
        if not unsolved:
            made.assign(_AGENT, at=at)
            made.solve("solved before", at=at)
        return made

    def resolve() -> Any:
        tickets = [ticket(ticket_id, True) for ticket_id in solved]
        tickets += [
            ticket(ticket_id, False)
            for ticket_id in incident.linked_tickets
            if ticket_id not in solved
        ]
        return incident.resolve(
            event.body,
            tickets=tickets,
            template=_TEMPLATE,
            agent=_AGENT,
            impact=event.impact,
            notify=event.notify,
            at=at,
        )

    replay.issue("Incident.resolve", resolve)


def _incident_step(replay: _Replay, event: Any) -> None:
    at = replay.at()
    if _created(replay, event, IncidentDeclared):
        replay.issue(
            "Incident.declare",
            lambda: Incident.declare(
                event.incident_id,
                title=event.title,
                body=event.body,
                impact=event.impact,
                components=event.components,
                customers=event.customers,
                notify=event.notify,
                at=at,
            ),
        )
        return
    incident: Incident = replay.obj
    kind = type(event)
    if kind is IncidentUpdatePosted:
        replay.issue(
            "post_update",
            lambda: incident.post_update(
                event.body,
                status=event.status,
                impact=event.impact,
                components=event.components,
                customers=event.customers,
                notify=event.notify,
                at=at,
            ),
        )
    elif kind is IncidentTicketLinked:
        replay.issue("link_ticket", lambda: incident.link_ticket(event.ticket_id, at=at))
    elif kind is IncidentResolved:
        _resolve_incident(replay, event)
    elif kind is IncidentPostmortemPublished:
        replay.issue("publish_postmortem", lambda: incident.publish_postmortem(event.body, at=at))
    else:
        raise Irreproducible(replay.index, f"no incident command records {event!r}")


# --- maintenance -----------------------------------------------------------------------


def _maintenance_step(replay: _Replay, event: Any) -> None:
    at = replay.at()
    if _created(replay, event, MaintenanceScheduled):
        leads = [_duration(lead, 0) for lead in event.lead_times_us]
        replay.issue(
            "Maintenance.schedule",
            lambda: Maintenance.schedule(
                event.maintenance_id,
                title=event.title,
                starts_at=_instant(event.starts_at_us, 0),
                ends_at=_instant(event.ends_at_us, 0),
                customers=event.customers,
                components=event.components,
                lead_times=leads,
                at=at,
            ),
        )
        return
    maintenance: Maintenance = replay.obj
    kind = type(event)
    simple = {
        MaintenanceStarted: maintenance.start,
        MaintenanceVerificationStarted: maintenance.verify,
        MaintenanceCompleted: maintenance.complete,
    }
    if kind in simple:
        command = simple[kind]
        replay.issue(command.__name__, lambda: command(body=event.body, at=at))
    elif kind is MaintenanceCancelled:
        replay.issue("cancel", lambda: maintenance.cancel(event.reason, at=at))
    else:  # notices: recorded by evaluation
        _evaluate(replay, "Maintenance.evaluate")


# --- proactive cases -------------------------------------------------------------------


def _case_step(replay: _Replay, event: Any) -> None:
    at = replay.at()
    if _created(replay, event, ProactiveCaseDetected):
        replay.issue(
            "ProactiveCase.detect",
            lambda: ProactiveCase.detect(
                event.case_id,
                signal=event.signal,
                summary=event.summary,
                customers=event.customers,
                topic=event.topic,
                at=at,
            ),
        )
        return
    case: ProactiveCase = replay.obj
    kind = type(event)
    if kind is ProactiveCaseTargeted:
        replay.issue("add_customers", lambda: case.add_customers(event.customers, at=at))
    elif kind is ProactiveCasePlanned:
        within = _duration(event.answer_within_us, replay.index)
        replay.issue(
            "plan",
            lambda: case.plan(
                message=event.message, channel=event.channel, answer_within=within, at=at
            ),
        )
    elif kind is ProactiveCaseNotified:
        replay.issue(
            "notify", lambda: case.notify(customers=event.customers, channel=event.channel, at=at)
        )
    elif kind is ProactiveCaseAcknowledged:
        replay.issue(
            "acknowledge",
            lambda: case.acknowledge(event.customer_id, channel=event.channel, at=at),
        )
    elif kind is ProactiveCaseProblemReported:
        replay.issue(
            "report_problem",
            lambda: case.report_problem(
                event.customer_id,
                ticket_id=event.ticket_id,
                body="It broke.",
                channel=event.channel,
                at=at,
            ),
        )
    elif kind is ProactiveCaseResolved:
        replay.issue("resolve", lambda: case.resolve(event.outcome, at=at))
    elif kind is ProactiveCaseClosed:
        replay.issue("close", lambda: case.close(at=at))
    elif kind is ProactiveCaseCancelled:
        replay.issue("cancel", lambda: case.cancel(event.reason, at=at))
    else:  # no answers: recorded by evaluation
        _evaluate(replay, "ProactiveCase.evaluate")


# --- feedback programs -----------------------------------------------------------------


def _program_step(replay: _Replay, event: Any) -> None:
    at = replay.at()
    if _created(replay, event, FeedbackProgramCreated):

        def every(us: object) -> _dt.timedelta | None:
            return None if us is None else _duration(us, 0)

        replay.issue(
            "FeedbackProgram.create",
            lambda: FeedbackProgram.create(
                event.program_id,
                csat_delay=_duration(event.csat_delay_us, 0),
                csat_scale=event.csat_scale,
                nps_every=every(event.nps_every_us),
                ces_every=every(event.ces_every_us),
                ces_scale=event.ces_scale,
                ces_method=event.ces_method,
                at=at,
            ),
        )
        return
    program: FeedbackProgram = replay.obj
    kind = type(event)
    if kind is FeedbackCustomerEnrolled:
        replay.issue("enroll", lambda: program.enroll(event.customer_id, at=at))
    elif kind is FeedbackCustomerUnenrolled:
        replay.issue("unenroll", lambda: program.unenroll(event.customer_id, at=at))
    elif kind is FeedbackCSATScheduled:
        delay = program.csat_delay
        if type(event.due_at_us) is not int:
            raise Irreproducible(replay.index, f"due_at_us {event.due_at_us!r}")
        solved = _instant(event.due_at_us, replay.index) - delay
        replay.issue(
            "schedule_csat",
            lambda: program.schedule_csat(
                event.ticket_id, customer_id=event.customer_id, solved_at=solved, at=at
            ),
        )
    elif kind is FeedbackSurveyCancelled:
        replay.issue(
            "cancel_survey",
            lambda: program.cancel_survey(event.survey_id, reason=event.reason, at=at),
        )
    elif kind is FeedbackResponseRecorded:
        replay.issue(
            "record_response",
            lambda: program.record_response(
                event.survey_id, event.score, channel=event.channel, comment=event.comment, at=at
            ),
        )
    elif kind in (FeedbackProgramPaused, FeedbackProgramResumed, FeedbackProgramRetired):
        name = {
            FeedbackProgramPaused: "pause",
            FeedbackProgramResumed: "resume",
            FeedbackProgramRetired: "retire",
        }[kind]
        replay.issue(name, lambda: getattr(program, name)(at=at))
    else:  # surveys sent: recorded by evaluation
        _evaluate(replay, "FeedbackProgram.evaluate")


# --- customers -------------------------------------------------------------------------

_TICKET_FACTS = {
    TimelineKind.TICKET_OPENED,
    TimelineKind.TICKET_REOPENED,
    TimelineKind.TICKET_SOLVED,
    TimelineKind.TICKET_CLOSED,
    TimelineKind.SLA_BREACHED,
}
_INCIDENT_FACTS = {TimelineKind.INCIDENT_AFFECTED, TimelineKind.INCIDENT_RESOLVED}
_OUTREACH_FACTS = {TimelineKind.OUTREACH_NOTIFIED, TimelineKind.OUTREACH_ANSWERED}


@attrs.frozen
class _Response:
    """A survey answer as ``Customer.record_survey_response`` reads one."""

    survey_id: str
    customer_id: str
    kind: str
    score: int
    scale_min: int
    scale_max: int
    method: str
    ticket_id: str | None
    channel: Any
    at_us: int


def _facts(replay: _Replay, reference: str, end: int) -> list[CustomerActivityRecorded]:
    return [
        event
        for event in replay.events[:end]
        if type(event) is CustomerActivityRecorded and event.reference_id == reference
    ]


def _ticket_from(customer: Customer, facts: list[CustomerActivityRecorded], index: int) -> Ticket:
    """A ticket of the customer whose history gives exactly these timeline facts."""
    opened = [fact for fact in facts if fact.kind is TimelineKind.TICKET_OPENED]
    if len(opened) != 1:
        raise Irreproducible(index, f"{len(opened)} ticket_opened facts for one ticket")
    first = opened[0]
    if first.detail is None or first.channel is None:
        raise Irreproducible(index, "a ticket_opened fact carries the subject and channel")
    ticket = Ticket.open(
        first.reference_id,
        customer_id=customer.id,
        subject=first.detail,
        topic="how_to",
        channel=first.channel,
        at=_instant(first.occurred_at_us, index),
    )
    order = {
        TimelineKind.TICKET_SOLVED: 0,
        TimelineKind.TICKET_REOPENED: 1,
        TimelineKind.TICKET_CLOSED: 2,
    }
    later = sorted(
        (fact for fact in facts if fact.kind is not TimelineKind.TICKET_OPENED),
        key=lambda fact: (fact.occurred_at_us, order.get(fact.kind, 3)),
    )
    for fact in later:
        at = _instant(fact.occurred_at_us, index)
        if fact.kind is TimelineKind.TICKET_SOLVED:
            if ticket.assignee is None:
                ticket.assign(_AGENT, at=at)
            ticket.solve("solved", at=at)
        elif fact.kind is TimelineKind.TICKET_REOPENED:
            ticket.customer_message("It is back.", at=at)
        elif fact.kind is TimelineKind.TICKET_CLOSED:
            ticket.confirm(at=at)
        else:
            raise Irreproducible(index, "the oracle builds no SLA breach for a ticket fact")
    return ticket


def _incident_from(
    customer: Customer, facts: list[CustomerActivityRecorded], index: int
) -> Incident:
    affected = [fact for fact in facts if fact.kind is TimelineKind.INCIDENT_AFFECTED]
    resolved = [fact for fact in facts if fact.kind is TimelineKind.INCIDENT_RESOLVED]
    if len(affected) != 1 or len(resolved) > 1 or affected[0].detail is None:
        raise Irreproducible(index, "an incident gives one titled incident_affected fact")
    incident = Incident.declare(
        affected[0].reference_id,
        title=affected[0].detail,
        body="Looking into it.",
        impact=IncidentImpact.MINOR,
        customers=[customer.id],
        notify=False,
        at=_instant(affected[0].occurred_at_us, index),
    )
    if resolved:
        incident.resolve(
            "Fixed.",
            tickets=[],
            template=_TEMPLATE,
            agent=_AGENT,
            at=_instant(resolved[0].occurred_at_us, index),
        )
    return incident


def _case_from(
    customer: Customer, facts: list[CustomerActivityRecorded], index: int
) -> ProactiveCase:
    notified = [fact for fact in facts if fact.kind is TimelineKind.OUTREACH_NOTIFIED]
    answered = [fact for fact in facts if fact.kind is TimelineKind.OUTREACH_ANSWERED]
    if len(notified) != 1 or len(answered) > 1 or notified[0].channel is None:
        raise Irreproducible(index, "a case gives one outreach_notified fact, on a channel")
    signal, colon, summary = str(notified[0].detail).partition(": ")
    if not colon:
        raise Irreproducible(
            index, f"outreach detail {notified[0].detail!r} is not 'signal: summary'"
        )
    at = _instant(notified[0].occurred_at_us, index)
    case = ProactiveCase.detect(
        notified[0].reference_id,
        signal=signal,  # type: ignore[arg-type]
        summary=summary,
        customers=[customer.id],
        at=at,
    )
    case.plan(message="Heads up.", channel=notified[0].channel, at=at)
    case.notify(at=at)
    if answered:
        answer_at = _instant(answered[0].occurred_at_us, index)
        if answered[0].detail == "acknowledged":
            case.acknowledge(customer.id, at=answer_at)
        elif answered[0].detail == "problem_reported":
            case.report_problem(customer.id, ticket_id="T-oracle", body="Broken.", at=answer_at)
        else:
            raise Irreproducible(index, f"no answer is {answered[0].detail!r}")
    return case


def _record_activity(replay: _Replay, event: CustomerActivityRecorded) -> None:
    customer: Customer = replay.obj
    end = replay.index
    while (
        end < len(replay.events)
        and type(replay.events[end]) is CustomerActivityRecorded
        and replay.events[end].at_us == event.at_us
        and replay.events[end].reference_id == event.reference_id
    ):
        end += 1
    facts = _facts(replay, event.reference_id, end)
    at = replay.at()
    kind = event.kind
    try:
        if kind in _TICKET_FACTS:
            if any(fact.kind not in _TICKET_FACTS for fact in facts):
                raise Irreproducible(replay.index, "facts of several sources under one reference")
            ticket = _ticket_from(customer, facts, replay.index)
            command: Callable[[], Any] = lambda: customer.record_ticket(ticket, at=at)  # noqa: E731
        elif kind in _INCIDENT_FACTS:
            incident = _incident_from(customer, facts, replay.index)
            command = lambda: customer.record_incident(incident, at=at)  # noqa: E731
        elif kind in _OUTREACH_FACTS:
            case = _case_from(customer, facts, replay.index)
            command = lambda: customer.record_outreach(case, at=at)  # noqa: E731
        else:
            raise Irreproducible(replay.index, f"no record command gives a {kind!r} fact")
    except SupportflowError as error:
        raise Irreproducible(replay.index, f"no source object gives these facts: {error}") from None
    replay.issue(f"record ({kind})", command)


def _customer_step(replay: _Replay, event: Any) -> None:
    at = replay.at()
    if _created(replay, event, CustomerRegistered):
        replay.issue(
            "Customer.register",
            lambda: Customer.register(
                event.customer_id,
                name=event.display_name,
                segment=event.segment,
                phase=event.phase,
                at=at,
            ),
        )
        return
    customer: Customer = replay.obj
    kind = type(event)
    if kind is CustomerIdentityAdded:
        replay.issue(
            "add_identity", lambda: customer.add_identity(event.channel, event.value, at=at)
        )
    elif kind is CustomerIdentityRemoved:
        replay.issue(
            "remove_identity", lambda: customer.remove_identity(event.channel, event.value, at=at)
        )
    elif kind is CustomerPhaseChanged:
        replay.issue(
            "change_phase", lambda: customer.change_phase(event.phase, reason=event.reason, at=at)
        )
    elif kind is CustomerSegmentChanged:
        replay.issue("change_segment", lambda: customer.change_segment(event.segment, at=at))
    elif kind is CustomerActivityRecorded:
        _record_activity(replay, event)
    elif kind is CustomerSurveyAnswered:
        response = _Response(
            survey_id=event.survey_id,
            customer_id=customer.id,
            kind=event.survey_kind,
            score=event.score,
            scale_min=event.scale_min,
            scale_max=event.scale_max,
            method=event.method,
            ticket_id=event.ticket_id,
            channel=event.channel,
            at_us=event.answered_at_us,
        )
        replay.issue(
            "record_survey_response", lambda: customer.record_survey_response(response, at=at)
        )
    elif kind is CustomerUsageDropped:
        replay.issue(
            "record_usage_drop",
            lambda: customer.record_usage_drop(event.drop_percent, measure=event.measure, at=at),
        )
    else:
        raise Irreproducible(replay.index, f"no customer command records {event!r}")


# --- entry point -----------------------------------------------------------------------


def reproduce(obj: Any, **config: Any) -> Any:
    """A fresh aggregate built by re-issuing, for each event of ``obj.history``, the
    public command that records it (``config``: ``sla=`` and ``escalation=`` for a
    ticket). Raises :class:`Irreproducible` at the first event no command records."""
    replay = _Replay(obj.history)
    steps: dict[type, Callable[[_Replay, Any], None]] = {
        Ticket: _ticket_step(config),
        Incident: _incident_step,
        Maintenance: _maintenance_step,
        ProactiveCase: _case_step,
        FeedbackProgram: _program_step,
        Customer: _customer_step,
    }
    step = steps.get(type(obj))
    if step is None:
        raise TypeError(f"reproduce() takes one of the six aggregates, not {obj!r}")
    return replay.run(step)
