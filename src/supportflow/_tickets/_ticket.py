"""The reactive ticket: an event-sourced aggregate driven by one shared lifecycle.

Every command validates everything first (lifecycle, arguments, ``at``), builds its
events, then applies them through :meth:`Ticket._apply`, the one place state changes,
which :meth:`Ticket.replay` also uses. A failing command raises and changes nothing.

What is allowed in each status is read from :data:`TICKET_LIFECYCLE`, one
``transitions.Machine`` built at import time for every ticket. Commands that keep the
status (notes, tags, assignment...) are declared there as internal transitions, so
the Machine is the one source of truth. Two guards live in code and raise
:class:`InvalidTransition` too: solving needs an assignee, and auto-closing waits
for :attr:`Ticket.auto_close_at`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import linecache
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, Protocol, TypeVar, cast

import pendulum

from .._kernel._aggregate import Aggregate, event_path
from .._kernel._editions import LATEST
from .._kernel._errors import (
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    SchemaError,
    SupportflowError,
    TicketClosed,
)
from .._kernel._event import Event
from .._kernel._fields import exact_member as _is
from .._kernel._fields import optional_text as _opt_text
from .._kernel._fields import require_member as _member
from .._kernel._fields import require_text as _text
from .._kernel._lifecycle import Guard, Lifecycle
from .._kernel._serde import _MISSING, Reader
from .._kernel._time import (
    EARLIEST_US,
    LATEST_US,
    at_us,
    bounded_duration_us,
    duration_us,
    format_instant,
    to_datetime,
)
from .._sla._policy import SLAPolicySet
from .._sla._state import (
    SLA_EVENTS,
    ReferenceSLAState,
    SLABreached,
    SLAState,
    SLAThresholdReached,
    SLAVersionApplied,
    SLAVersionMode,
)
from .._vocabulary._taxonomy import Channel, Domain, LifecyclePhase, Priority, TicketStatus, Topic
from .._vocabulary._ticket_events import (
    Message,
    MessageKind,
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
from ._codec import TICKET_CODEC, TICKET_MIGRATIONS
from ._templates import TEMPLATE_STATUSES, ResponseTemplate, flatten_values
from ._tiers import (
    MAX_TIER,
    EscalationVersionApplied,
    EscalationVersionMode,
    TicketDeEscalated,
    TicketEscalated,
    TicketEscalationRequested,
    TicketManagerNotified,
    TicketPriorityRaised,
    TierLadder,
    move_target,
)

__all__ = [
    "TICKET_LIFECYCLE",
    "EscalationProtocol",
    "ReferenceTicket",
    "SLAAttachment",
    "SLAStateProtocol",
    "Ticket",
]

_NEW: Final = TicketStatus.NEW
_OPEN: Final = TicketStatus.OPEN
_PENDING: Final = TicketStatus.PENDING
_ON_HOLD: Final = TicketStatus.ON_HOLD
_SOLVED: Final = TicketStatus.SOLVED
_CLOSED: Final = TicketStatus.CLOSED
_UNSOLVED: Final = ["new", "open", "pending", "on_hold"]

_NOT_CLOSED: Final = [*_UNSOLVED, "solved"]


def _has_assignee(ticket: Ticket, event: object) -> bool:
    return ticket._assignee is not None


def _auto_close_due(ticket: Ticket, event: Event) -> bool:
    due = ticket.auto_close_at_us
    return due is None or event.at_us >= due


def _auto_close_hint(ticket: Ticket, event: Event) -> str:
    return (
        f"auto-close is due at {format_instant(cast(int, ticket.auto_close_at_us))}, "
        f"not {format_instant(event.at_us)}"
    )


#: The guards the ticket lifecycle names (checked by the Lifecycle, in one place).
_GUARDS: Final = {
    "has_assignee": Guard(_has_assignee, "solving needs an assignee: assign(agent) first"),
    "auto_close_due": Guard(_auto_close_due, _auto_close_hint),
}

#: The ticket lifecycle (DESIGN.md 2.1), one Machine shared by every ticket.
#: ``dest: None`` is an internal transition: allowed there, status unchanged. Every
#: command of the ticket is a trigger here, escalation included, and every event fires
#: one (see ``_TRIGGER``), so ``allowed_commands`` and refusals list them all.
TICKET_LIFECYCLE: Final = Lifecycle.define(
    "ticket",
    states=[status.value for status in TicketStatus],
    transitions=[
        {"trigger": "reply", "source": "new", "dest": "open"},
        {"trigger": "reply", "source": ["open", "pending", "on_hold", "solved"], "dest": None},
        {"trigger": "customer_message", "source": ["new", "open"], "dest": None},
        {"trigger": "customer_message", "source": ["pending", "on_hold", "solved"], "dest": "open"},
        {"trigger": "set_pending", "source": ["new", "open", "on_hold"], "dest": "pending"},
        {"trigger": "put_on_hold", "source": ["new", "open", "pending"], "dest": "on_hold"},
        {"trigger": "resume", "source": ["pending", "on_hold"], "dest": "open"},
        {"trigger": "solve", "source": _UNSOLVED, "dest": "solved", "conditions": "has_assignee"},
        {"trigger": "confirm", "source": "solved", "dest": "closed"},
        {
            "trigger": "auto_close",
            "source": "solved",
            "dest": "closed",
            "conditions": "auto_close_due",
        },
        {"trigger": "assign", "source": _UNSOLVED, "dest": None},
        {"trigger": "change_priority", "source": _UNSOLVED, "dest": None},
        {"trigger": "add_note", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "tag", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "untag", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "link", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "escalate", "source": _UNSOLVED, "dest": None},
        {"trigger": "de_escalate", "source": _UNSOLVED, "dest": None},
        {"trigger": "notify_manager", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "request_escalation", "source": _UNSOLVED, "dest": None},
        {"trigger": "apply_sla_version", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "repair_sla", "source": _NOT_CLOSED, "dest": None},
        {"trigger": "apply_escalation_version", "source": _NOT_CLOSED, "dest": None},
    ],
    initial="new",
    final_error=TicketClosed,
    guards=_GUARDS,
)

_STATUS: Final[dict[str, TicketStatus]] = {status.value: status for status in TicketStatus}
# Plain strings for the lifecycle table, so errors show 'open' rather than the enum repr.
_PLAIN: Final[dict[TicketStatus, str]] = {status: str(status.value) for status in TicketStatus}
_STATUS_TRIGGERS: Final = frozenset(
    {"set_pending", "put_on_hold", "resume", "confirm", "auto_close"}
)
_DEFAULT_AUTO_CLOSE: Final = _dt.timedelta(days=4)
# The same, in microseconds: one int shared by every ticket opened with the default.
_DEFAULT_AUTO_CLOSE_US: Final = 4 * 86_400_000_000
_NEVER: Final = -(2**62)
_DEFAULT_LADDER: Final = TierLadder.default()
M = TypeVar("M", TicketEscalated, TicketDeEscalated)
_NO_TOPIC: Final = Topic.FEEDBACK
_NO_CHANNEL: Final = Channel.EMAIL
_NO_PRIORITY: Final = Priority.NORMAL
_NO_PHASE: Final = LifecyclePhase.USING


# --- extension points (implemented by the SLA and escalation modules) -----------------


class SLAStateProtocol(Protocol):
    """The SLA state attached to a ticket (``supportflow.SLAState``)."""

    def observe(self, ticket: Ticket, event: Event) -> bool:
        """Called after every event the ticket records; never raises. True when the
        next deadline computed before the event still holds."""

    def next_deadline_us(self) -> int | None:
        """The earliest instant a warning or breach will fire, or None."""

    def due_events(self, at: int) -> list[Event]:
        """The warnings and breaches due at or before ``at`` (not applied)."""

    def to_dict(self) -> dict[str, Any]:
        """The clock snapshot stored in the ticket document."""

    def verify(self, data: object, path: str) -> None:
        """Raise :class:`SchemaError` when a stored snapshot differs from this state."""


class SLAAttachment(Protocol):
    """What ``Ticket.open(sla=...)`` takes (``supportflow.SLAPolicySet``)."""

    def attach(self, ticket: Ticket) -> SLAStateProtocol:
        """The SLA state of a ticket just opened (its clocks start at creation)."""


class EscalationProtocol(Protocol):
    """What ``Ticket.open(escalation=...)`` takes (``supportflow.EscalationPolicy``)."""

    def next_due_us(self, ticket: Ticket, before: int | None = None) -> int | None:
        """The next instant an escalation rule becomes due, or None (rules due at or
        after ``before``, the ticket's earliest other deadline, may be left out)."""

    def apply(self, ticket: Ticket, *, at: object | None = None) -> tuple[Event, ...]:
        """Record the SLA events and escalations due at ``at``; returns those appended."""

    def missed_us(self, ticket: Ticket, now_us: int) -> int | None:
        """When a rule due by ``now_us`` and not recorded fell due, or None."""

    def apply_us(self, ticket: Ticket, now_us: int) -> tuple[Event, ...]:
        """:meth:`apply` at ``now_us`` microseconds (no datetime round trip)."""

    def _keeps_due(self, ticket: Ticket, sla: Any, due: int | None) -> bool:
        """Whether the ticket's cached next due instant ``due`` still holds after an
        event that left the SLA's next deadline as it was."""

    def _check_replayed(self, ticket: Ticket, event: Event) -> None:
        """Refuse an escalation event this policy could not have recorded
        (:class:`InvalidArgument`): off its ladder, or a rule's event that is not what
        the rule records at that instant."""


class EscalationEditions(Protocol):
    """What ``Ticket.open(escalation=...)`` takes besides a policy: the editions of one
    (``supportflow.EscalationPolicyVersions``)."""

    def _edition(self, version: object = ...) -> EscalationProtocol:
        """The policy of ``version`` (the current one by default)."""


EscalationConfig = EscalationProtocol | EscalationEditions


# --- argument checks: shared by the commands and the evolve step ----------------------


def _tag_set(values: Iterable[object], command: str) -> frozenset[str]:
    """Tags to add or remove: at least one, each a non-empty word without spaces."""
    if not values:
        raise InvalidArgument(f"{command} needs at least one tag", field="tags")
    _valid_tags(values)
    return frozenset(values)  # type: ignore[arg-type]


def _valid_tags(values: Iterable[object]) -> None:
    for tag in values:
        if type(tag) is not str or not tag or tag != tag.strip() or " " in tag:
            raise InvalidArgument(
                f"a tag must be a non-empty word without spaces, got {tag!r}", field="tags"
            )


#: One shared empty tag set: since Python 3.10 each ``frozenset()`` call allocates a new
#: 216-byte object, which was the largest single item of an untagged ticket.
_NO_TAGS: Final[frozenset[str]] = frozenset()


def _open_tags(values: Iterable[str]) -> frozenset[str]:
    if isinstance(values, str):
        raise InvalidArgument(f"tags must be an iterable of tags, not the string {values!r}")
    values = tuple(values)
    return _tag_set(values, "tags") if values else _NO_TAGS


def _tier(value: object, name: str = "tier") -> int | None:
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= MAX_TIER:
        raise InvalidArgument(
            f"{name} must be an int from 0 to {MAX_TIER} or None, got {value!r}", field=name
        )
    return value


# --- the evolve step: one handler per event type, the only code that changes a ticket ---
#
# Each handler first checks the event against the ticket as it stands (the lifecycle
# with its guards, then every field), and only then changes the ticket: a refused event
# changes nothing. Commands build their events and hand them to these same handlers,
# and so do replay and from_dict, so a loaded history is one the commands could record.

Handler = Callable[["Ticket", Any], None]


#: The lifecycle's unguarded edges, ``{status value: {trigger: TicketStatus}}``, derived
#: once from the shared Machine's table: keyed by the plain value (a str hash) because
#: hashing an Enum member runs Python code, and every event of a replay moves once.
#: Guarded triggers are left out, so they always go through the Lifecycle's guards.
_NEXT: Final[dict[str, dict[str, TicketStatus]]] = {status.value: {} for status in TicketStatus}
for _source, _trigger, _dest in TICKET_LIFECYCLE.edges():
    if not TICKET_LIFECYCLE.guarded(_source, _trigger):
        _NEXT[_source][_trigger] = _STATUS[_dest]


def _on_opened(ticket: Ticket, event: TicketOpened) -> None:
    if ticket._history:
        raise InvalidArgument(f"ticket {ticket._id} was already opened", field="event")
    ticket_id = _text(event.ticket_id, "ticket_id")
    _text(event.customer_id, "customer_id")
    _text(event.subject, "subject")
    _is(Topic, event.topic, "topic")
    _is(Channel, event.channel, "channel")
    _is(Priority, event.priority, "priority")
    _is(LifecyclePhase, event.phase, "phase")
    _opt_text(event.body, "body")
    if type(event.tags) is not frozenset:
        raise InvalidArgument(f"tags must be a set of tags, got {event.tags!r}", field="tags")
    _valid_tags(event.tags)
    _opt_text(event.team, "team")
    _tier(event.tier)
    _opt_text(event.segment, "segment")
    follows = _opt_text(event.follow_up_of, "follow_up_of")
    if follows == ticket_id:
        raise InvalidArgument(f"ticket {ticket_id} cannot follow up itself", field="follow_up_of")
    if follows is not None and event.body is None:
        raise InvalidArgument(
            "a follow-up opens with the customer's message (Ticket.follow_up needs a body)",
            field="body",
        )
    bounded_duration_us(event.auto_close_after_us, "auto_close_after_us")
    ticket._id = ticket_id
    ticket._customer_id = event.customer_id
    ticket._subject = event.subject
    ticket._topic = event.topic
    ticket._channel = event.channel
    ticket._priority = event.priority
    ticket._phase = event.phase
    ticket._tags = event.tags or _NO_TAGS
    ticket._team = event.team
    ticket._tier = event.tier
    ticket._segment = event.segment
    ticket._follow_up_of = event.follow_up_of
    ticket._auto_close_after_us = event.auto_close_after_us
    ticket._created_us = event.at_us
    ticket._status = _NEW


def _on_assigned(ticket: Ticket, event: TicketAssigned) -> None:
    status = ticket._target("assign")
    agent = _text(event.agent, "agent")
    team = _opt_text(event.team, "team")
    _opt_text(event.actor, "actor")
    _opt_text(event.reason, "reason")
    if agent == ticket._assignee and (team is None or team == ticket._team):
        raise InvalidArgument(
            f"ticket {ticket._id} is already assigned to {agent!r}", field="agent"
        )
    ticket._status = status
    if ticket._assignee is not None and ticket._assignee != agent:
        # the index this event gets in the history: the one record of reassignments
        ticket._reassigned = (*ticket._reassigned, len(ticket._history))
    ticket._assignee = agent
    if team is not None:
        ticket._team = team


def _on_replied(ticket: Ticket, event: TicketReplied) -> None:
    status = ticket._target("reply")
    _text(event.author, "author")
    _text(event.body, "body")
    channel = _is(Channel, event.channel, "channel")
    if _opt_text(event.template, "template") is not None and channel is not ticket._channel:
        raise InvalidArgument(
            f"a templated reply goes out on the ticket's channel ({ticket._channel.value})",
            field="channel",
        )
    ticket._status = status
    ticket._public_replies += 1


def _on_note(ticket: Ticket, event: TicketNoteAdded) -> None:
    status = ticket._target("add_note")
    _text(event.author, "author")
    _text(event.body, "body")
    ticket._status = status


def _on_customer_message(ticket: Ticket, event: TicketCustomerMessaged) -> None:
    status = ticket._target("customer_message")
    _text(event.body, "body")
    _is(Channel, event.channel, "channel")
    if ticket._status is _SOLVED:
        # A customer message on a solved ticket reopens it and starts a new cycle: the
        # one place this rule lives (SLA, escalation and metrics read _cycles).
        ticket._cycles = (*ticket._cycles, len(ticket._history))
        ticket._solved_us = None
        ticket._resolution = None
    ticket._status = status


def _on_status(ticket: Ticket, event: TicketStatusChanged) -> None:
    trigger = event.trigger
    if trigger not in _STATUS_TRIGGERS:
        raise InvalidArgument(
            f"status_changed cannot carry the trigger {trigger!r} (it carries one of "
            f"{', '.join(sorted(_STATUS_TRIGGERS))})",
            field="trigger",
        )
    if event.from_status != ticket._status:
        raise InvalidArgument(
            f"status_changed from {event.from_status!s} but ticket {ticket._id} is "
            f"{ticket._status.value}",
            field="from_status",
        )
    status = ticket._target(trigger, context=event)
    if status != event.to_status:
        raise InvalidArgument(
            f"status_changed to {event.to_status!s} but {trigger} leads to {status.value}",
            field="to_status",
        )
    ticket._status = status
    if status is _CLOSED:
        ticket._closed_us = event.at_us
        ticket._scan = None  # nothing is ever due on a closed ticket: drop the policy's scan


def _on_solved(ticket: Ticket, event: TicketSolved) -> None:
    status = ticket._target("solve", context=event)
    _text(event.resolution, "resolution")
    _opt_text(event.actor, "actor")
    ticket._status = status
    ticket._resolution = event.resolution
    ticket._solved_us = event.at_us


def _check_priority_move(
    ticket: Ticket, event: TicketPriorityChanged | TicketPriorityRaised
) -> TicketStatus:
    status = ticket._target("change_priority")
    if event.from_priority is not ticket._priority:
        raise InvalidArgument(
            f"{event.name} from {event.from_priority!s} but ticket {ticket._id} has priority "
            f"{ticket._priority.value}",
            field="from_priority",
        )
    if _is(Priority, event.to_priority, "to_priority") is ticket._priority:
        raise InvalidArgument(
            f"ticket {ticket._id} already has priority {ticket._priority.value}",
            field="to_priority",
        )
    return status


def _on_priority(ticket: Ticket, event: TicketPriorityChanged) -> None:
    status = _check_priority_move(ticket, event)
    _opt_text(event.reason, "reason")
    ticket._status = status
    ticket._priority = event.to_priority


def _on_tagged(ticket: Ticket, event: TicketTagged) -> None:
    status = ticket._target("tag")
    _tag_set(event.tags, "tag")
    if event.tags & ticket._tags:
        raise InvalidArgument(
            f"ticket {ticket._id} already has the tags {sorted(event.tags & ticket._tags)}",
            field="tags",
        )
    ticket._status = status
    ticket._tags = ticket._tags | event.tags


def _on_untagged(ticket: Ticket, event: TicketUntagged) -> None:
    status = ticket._target("untag")
    _tag_set(event.tags, "untag")
    if not event.tags <= ticket._tags:
        raise InvalidArgument(
            f"ticket {ticket._id} does not have the tags {sorted(event.tags - ticket._tags)}",
            field="tags",
        )
    ticket._status = status
    ticket._tags = ticket._tags - event.tags


def _on_linked(ticket: Ticket, event: TicketLinked) -> None:
    status = ticket._target("link")
    other = _text(event.other_id, "other_id")
    if other == ticket._id:
        raise InvalidArgument(f"ticket {ticket._id} cannot be linked to itself", field="other_id")
    if other in ticket._related:
        raise InvalidArgument(f"ticket {ticket._id} is already linked to {other}", field="other_id")
    ticket._status = status
    ticket._related = (*ticket._related, other)


def _on_sla_mark(ticket: Ticket, event: SLAThresholdReached | SLABreached) -> None:
    state = ticket._sla
    if state is None:
        raise InvalidArgument(
            f"ticket {ticket._id} has no SLA policies, so it records no {event.name}; "
            "load it with the policies it was opened with (sla=)",
            field="event",
        )
    history = ticket._history
    follows_mark = bool(history) and type(history[-1]) in SLA_EVENTS
    cast(SLAState, state)._check_recorded(event, follows_mark)
    cast(SLAState, state)._record(event, getattr(event, "threshold", None))


_OPENED_UNDER: Final = SLAVersionMode.OPENED
_REPAIR: Final = SLAVersionMode.REPAIR


def _check_opening_record(
    ticket: Ticket,
    event: SLAVersionApplied | EscalationVersionApplied,
    in_place: bool,
    opened_under: str | None,
) -> None:
    """A version record with mode ``opened`` is written by the opening itself: in its
    place right after it (``in_place``), at its instant, naming the edition the ticket
    opened under (the one the load chose for it)."""
    if not in_place or event.version != opened_under:
        raise InvalidArgument(
            f"{event.name} with mode 'opened' comes right after the ticket's opening and "
            "names the version the ticket opened under",
            field="mode",
        )
    if event.at_us != ticket._history[0].at_us:
        raise InvalidArgument(
            f"{event.name} with mode 'opened' is stamped at the opening instant", field="at"
        )


def _on_sla_version(ticket: Ticket, event: SLAVersionApplied) -> None:
    mode = _is(SLAVersionMode, event.mode, "mode")
    version = _text(event.version, "version")
    state = ticket._sla
    edition = getattr(ticket._sla_config, "_edition", None)
    if state is None or edition is None:
        raise InvalidArgument(
            f"ticket {ticket._id} has no SLA policies, so it records no {event.name}; "
            "load it with the SLAPolicyVersions it was written with (sla=)",
            field="event",
        )
    following: SLAPolicySet = state.policies  # type: ignore[attr-defined]
    if mode is _OPENED_UNDER:
        # Recorded by the opening itself, right after ticket_opened, naming the set
        # the clocks started under (the load attaches the set it names).
        _check_opening_record(ticket, event, len(ticket._history) == 1, following.version)
        return
    ticket._target("repair_sla" if mode is _REPAIR else "apply_sla_version")
    policies: SLAPolicySet = edition(version)
    if mode is _REPAIR:
        repaired = ticket._repaired(policies)
        repaired._carry(cast(SLAState, state), event.at_us)
        ticket._sla = repaired
    else:
        if policies is following or policies == following:
            raise InvalidArgument(
                f"SLA policy version {version!r} already applies to ticket {ticket._id}",
                field="version",
            )
        cast(SLAState, state)._follow(policies, event.at_us)
    # The clocks moved (or were rebuilt): the cached next due instant is not theirs.
    ticket._forget()


_ESCALATION_OPENED: Final = EscalationVersionMode.OPENED


def _on_escalation_version(ticket: Ticket, event: EscalationVersionApplied) -> None:
    mode = _is(EscalationVersionMode, event.mode, "mode")
    version = _text(event.version, "version")
    edition = getattr(ticket._escalation_config, "_edition", None)
    following = ticket._escalation_policy
    if following is None or edition is None:
        raise InvalidArgument(
            f"ticket {ticket._id} has no escalation policy, so it records no {event.name}; "
            "load it with the EscalationPolicyVersions it was written with (escalation=)",
            field="event",
        )
    if mode is _ESCALATION_OPENED:
        # Recorded by the opening itself, right after ticket_opened and the SLA's own
        # opening record, naming the policy the ticket opened under (the load chooses
        # the policy it names).
        history = ticket._history
        in_place = len(history) == 1 or (
            len(history) == 2
            and type(history[1]) is SLAVersionApplied
            and history[1].mode == _OPENED_UNDER
        )
        _check_opening_record(ticket, event, in_place, getattr(following, "version", None))
        return
    ticket._target("apply_escalation_version")
    policy: EscalationProtocol = edition(version)
    if policy is following or policy == following:
        raise InvalidArgument(
            f"escalation policy version {version!r} already applies to ticket {ticket._id}",
            field="version",
        )
    ticket._escalation_policy = policy
    # The rules changed: the cached next due instant and scan are not theirs.
    ticket._forget()


def _edition_of(config: object, version: object) -> Any:
    """The edition of ``version`` that an SLA or escalation configuration holds (a set,
    a policy or their versions answer ``_edition``); a configuration of a host's own
    making without editions is its own one edition."""
    edition = getattr(config, "_edition", None)
    return config if edition is None else edition(version)


class _Trusted:
    """The escalation stand-in of a repair's replay: the history was checked when it
    was recorded, so its escalation events are taken as they are."""

    __slots__ = ()

    def _check_replayed(self, ticket: Ticket, event: Event) -> None:
        return None

    def _keeps_due(self, ticket: Ticket, sla: Any, due: int | None) -> bool:
        return False


_TRUSTED: Final = cast("EscalationProtocol", _Trusted())
#: Events a repair's replay leaves out: what the old clocks said, and version changes.
_NOT_REPLAYED: Final = frozenset(
    {SLAThresholdReached, SLABreached, SLAVersionApplied, EscalationVersionApplied}
)


def _check_rule(
    ticket: Ticket, event: TicketEscalated | TicketManagerNotified | TicketPriorityRaised
) -> None:
    """A rule's event needs the escalation policy that has the rule; any escalation
    event stays on the policy's ladder (the policy checks both)."""
    policy = ticket._escalation_policy
    if policy is None:
        rule = getattr(event, "rule", None)
        if rule is not None:
            raise InvalidArgument(
                f"{event.name} by rule {rule!r}, but ticket {ticket._id} has no escalation "
                "policy; load it with the policy it was opened with (escalation=)",
                field="rule",
            )
        return
    policy._check_replayed(ticket, event)


def _on_tier_move(ticket: Ticket, event: TicketEscalated | TicketDeEscalated) -> None:
    up = type(event) is TicketEscalated
    status = ticket._target("escalate" if up else "de_escalate")
    if event.from_tier != ticket._tier or type(event.from_tier) is bool:
        raise InvalidArgument(
            f"{event.name} from tier {event.from_tier!r} but ticket {ticket._id} is in tier "
            f"{ticket._tier!r}",
            field="from_tier",
        )
    if event.from_team != ticket._team:
        raise InvalidArgument(
            f"{event.name} from team {event.from_team!r} but ticket {ticket._id} is with "
            f"{ticket._team!r}",
            field="from_team",
        )
    to_tier = _tier(event.to_tier, "to_tier")
    if to_tier is None:
        raise InvalidArgument(f"{event.name} needs a to_tier", field="to_tier")
    to_team = _text(event.to_team, "to_team")
    _text(event.reason, "reason")
    _opt_text(event.actor, "actor")
    current = ticket._tier
    if current is not None:
        if up and (to_tier < current or (to_tier == current and to_team == ticket._team)):
            raise InvalidArgument(
                f"escalated from tier {current} to tier {to_tier} ({to_team!r}): an escalation "
                "moves up or to another team",
                field="to_tier",
            )
        if not up and to_tier >= current:
            raise InvalidArgument(
                f"de_escalated from tier {current} to tier {to_tier}: de-escalation goes down",
                field="to_tier",
            )
    if up:
        _opt_text(event.rule, "rule")  # type: ignore[union-attr]
        _check_rule(ticket, event)  # type: ignore[arg-type]
    elif ticket._escalation_policy is not None:
        ticket._escalation_policy._check_replayed(ticket, event)
    ticket._status = status
    ticket._tier = to_tier
    ticket._team = to_team


def _on_manager_notified(ticket: Ticket, event: TicketManagerNotified) -> None:
    status = ticket._target("notify_manager")
    _text(event.role, "role")
    _text(event.reason, "reason")
    _opt_text(event.actor, "actor")
    _opt_text(event.rule, "rule")
    _check_rule(ticket, event)
    ticket._status = status


def _on_priority_raised(ticket: Ticket, event: TicketPriorityRaised) -> None:
    status = _check_priority_move(ticket, event)
    _text(event.reason, "reason")
    _text(event.rule, "rule")
    _check_rule(ticket, event)
    ticket._status = status
    ticket._priority = event.to_priority


def _on_escalation_requested(ticket: Ticket, event: TicketEscalationRequested) -> None:
    status = ticket._target("request_escalation")
    _text(event.reason, "reason")
    if event.channel is not None:
        _is(Channel, event.channel, "channel")
    ticket._status = status


_HANDLERS: Final[Mapping[type[Event], Handler]] = {
    TicketOpened: _on_opened,
    TicketAssigned: _on_assigned,
    TicketReplied: _on_replied,
    TicketNoteAdded: _on_note,
    TicketCustomerMessaged: _on_customer_message,
    TicketStatusChanged: _on_status,
    TicketSolved: _on_solved,
    TicketPriorityChanged: _on_priority,
    TicketTagged: _on_tagged,
    TicketUntagged: _on_untagged,
    TicketLinked: _on_linked,
    SLAThresholdReached: _on_sla_mark,
    SLABreached: _on_sla_mark,
    TicketEscalated: _on_tier_move,
    TicketDeEscalated: _on_tier_move,
    TicketManagerNotified: _on_manager_notified,
    TicketPriorityRaised: _on_priority_raised,
    TicketEscalationRequested: _on_escalation_requested,
    SLAVersionApplied: _on_sla_version,
    EscalationVersionApplied: _on_escalation_version,
}

# The slots that make up a ticket's state (equality compares them all).
_STATE: Final = (
    "_id",
    "_customer_id",
    "_subject",
    "_topic",
    "_channel",
    "_priority",
    "_phase",
    "_tags",
    "_assignee",
    "_team",
    "_tier",
    "_segment",
    "_status",
    "_created_us",
    "_follow_up_of",
    "_related",
    "_resolution",
    "_cycles",
    "_reassigned",
    "_public_replies",
    "_solved_us",
    "_closed_us",
    "_auto_close_after_us",
    "_last_us",
    "_history",
    "_sla",
    "_sla_config",
    "_escalation_policy",
    "_escalation_config",
)


# Slots that are caches, not state: never compared or persisted, reset on rewind.
_CACHES: Final = ("_due", "_known", "_scan")
# ``_due`` before it is computed (no instant is that early; None means "nothing due").
_STALE: Final = -(2**63)
# ``_known`` outside a command.
_NOT_KNOWN: Final[tuple[object, int]] = (None, 0)

C = TypeVar("C", bound=Callable[..., Any])


def _evaluating(command: C) -> C:
    """Make a ticket command record what fell due before it, first.

    SLA warnings and breaches (and, with an escalation policy, escalations) due at or
    before the command's instant are recorded before the command validates and builds
    its own events, each stamped at its own instant: the history is then the same
    whenever the host evaluates. If the command then fails, those events are taken
    back too, so a failing command still changes nothing.

    The wrapper is generated with the command's own parameters: one taking ``*args``
    and ``**kwargs`` costs a sixth of a plain ticket's command in packing them.
    """
    params = list(inspect.signature(command).parameters.values())
    namespace: dict[str, Any] = {
        "_command": command,
        "_enter": _enter_command,
        "_undo": _undo_command,
        "_NOT_KNOWN": _NOT_KNOWN,
    }
    declared: list[str] = []
    passed: list[str] = []
    starred = False  # the keyword-only parameters need a bare * before them
    for index, param in enumerate(params):
        name = param.name
        if param.kind is param.VAR_POSITIONAL:
            starred = True
            declared.append(f"*{name}")
            passed.append(f"*{name}")
            continue
        if param.kind is param.KEYWORD_ONLY:
            if not starred:
                starred = True
                declared.append("*")
            passed.append(f"{name}={name}")
        else:  # positional-or-keyword (no command takes **kwargs)
            passed.append(name)
        if param.default is param.empty:
            declared.append(name)
        else:
            namespace[f"_d{index}"] = param.default
            declared.append(f"{name}=_d{index}")
    if params[0].name != "self" or passed[-1] != "at=at" or params[-1].kind is param.VAR_KEYWORD:
        raise TypeError(f"{command.__qualname__}: a command is (self, ..., *, at=None)")
    call = f"_command({', '.join(passed)})"
    source = (
        f"def {command.__name__}({', '.join(declared)}):\n"
        "    if self._sla is None and self._escalation_policy is None:\n"
        f"        return {call}\n"
        "    at, mark = _enter(self, at)\n"
        "    try:\n"
        f"        return {call}\n"
        "    except BaseException:\n"
        "        _undo(self, mark)\n"
        "        raise\n"
        "    finally:\n"
        "        self._known = _NOT_KNOWN\n"
    )
    filename = f"<supportflow command {command.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)
    run = namespace[command.__name__]
    # A call with wrong arguments is then refused naming Ticket.assign, as unwrapped.
    run.__code__ = run.__code__.replace(co_qualname=command.__qualname__)
    return cast(C, functools.update_wrapper(run, command))


def _enter_command(ticket: Ticket, at: _dt.datetime | None) -> tuple[_dt.datetime, int]:
    """Record what fell due before a command at ``at`` (see :func:`_evaluating`): the
    instant the command runs at (a datetime: now when ``at`` is None, one clock read
    for the catch-up and the command), and the ticket's version before the catch-up."""
    us = at_us(at)
    if at is None:
        at = to_datetime(us)
    mark = len(ticket._history)
    # The cached next deadline (when known) tells, with one comparison, that
    # nothing is due yet: most commands skip the catch-up altogether.
    if us >= ticket._last_us:
        ticket._record_due(us)
    ticket._known = (at, us)  # the command's _when reuses the conversion
    return at, mark


def _undo_command(ticket: Ticket, mark: int) -> None:
    """Take back what a failed command recorded since ``mark``, its catch-up included."""
    if len(ticket._history) != mark:
        ticket._rewind(mark)


_ABSENT: Final = object()
#: The cycles of a ticket never reopened: one, started by its opening (shared).
_FIRST_CYCLE: Final = (0,)


class Ticket(Aggregate):
    """A reactive support ticket: conversation, status, assignment, history.

    Create one with :meth:`open` (or :meth:`follow_up` of a closed one), rebuild one
    with :meth:`replay` or :meth:`from_dict`. Every command takes ``at=``, an aware
    datetime (now when omitted), refuses an instant earlier than the ticket's latest
    event, records events, and raises without changing anything when it fails:
    :class:`InvalidTransition` when the status does not allow it (naming the
    commands allowed now), :class:`TicketClosed` on a closed ticket,
    :class:`InvalidArgument` / :class:`InvalidType` for bad values.
    """

    __slots__ = (*(name for name in _STATE if name not in Aggregate.__slots__), *_CACHES)

    kind = "ticket"

    _id: str
    _customer_id: str
    _subject: str
    _topic: Topic
    _channel: Channel
    _priority: Priority
    _phase: LifecyclePhase
    _tags: frozenset[str]
    _assignee: str | None
    _team: str | None
    _tier: int | None
    _segment: str | None
    _status: TicketStatus
    _created_us: int
    _follow_up_of: str | None
    _related: tuple[str, ...]
    _resolution: str | None
    _cycles: tuple[int, ...]
    _reassigned: tuple[int, ...]
    _public_replies: int
    _solved_us: int | None
    _closed_us: int | None
    _auto_close_after_us: int
    _last_us: int
    _history: list[Event]
    _sla: SLAStateProtocol | None
    _sla_config: SLAAttachment | None
    # The escalation policy that applies now (None until the opening chooses it), and
    # the one given (a policy, or the EscalationPolicyVersions its editions come from).
    _escalation_policy: EscalationProtocol | None
    _escalation_config: EscalationConfig | None
    # Caches (see _CACHES): the earliest instant an SLA event or an escalation is due,
    # until the next event (_STALE when not computed; next_deadline_us() fills it),
    # the (at, microseconds) of the running command, and the escalation policy's scan
    # of the history (its own object, rebuilt from the history if None).
    _due: int | None
    _known: tuple[object, int]
    _scan: Any

    #: The shared lifecycle (``Ticket.lifecycle.mermaid()`` draws it).
    lifecycle: Final = TICKET_LIFECYCLE

    def __init__(self) -> None:
        raise TypeError("open a ticket with Ticket.open(...), or rebuild one with replay/from_dict")

    @classmethod
    def _blank(
        cls, sla: SLAAttachment | None = None, escalation: EscalationConfig | None = None
    ) -> Ticket:
        if sla is not None and not callable(getattr(sla, "attach", None)):
            raise InvalidType(f"sla must be an SLAPolicySet (with attach()), got {sla!r}")
        if escalation is not None and not (
            callable(getattr(escalation, "next_due_us", None))
            or callable(getattr(escalation, "_edition", None))
        ):
            raise InvalidType(
                "escalation must be an EscalationPolicy (with next_due_us()) or "
                f"EscalationPolicyVersions, got {escalation!r}"
            )
        ticket = object.__new__(cls)
        ticket._id = ""
        ticket._customer_id = ""
        ticket._subject = ""
        # Placeholders until TicketOpened sets them (module constants: reading an enum
        # class's attribute runs Python code).
        ticket._topic = _NO_TOPIC
        ticket._channel = _NO_CHANNEL
        ticket._priority = _NO_PRIORITY
        ticket._phase = _NO_PHASE
        ticket._tags = _NO_TAGS
        ticket._assignee = None
        ticket._team = None
        ticket._tier = None
        ticket._segment = None
        ticket._status = _NEW
        ticket._created_us = 0
        ticket._follow_up_of = None
        ticket._related = ()
        ticket._resolution = None
        ticket._cycles = _FIRST_CYCLE
        ticket._reassigned = ()
        ticket._public_replies = 0
        ticket._solved_us = None
        ticket._closed_us = None
        ticket._auto_close_after_us = 0
        ticket._last_us = _NEVER
        ticket._history = []
        ticket._loaded = 0
        ticket._sla = None
        ticket._sla_config = sla
        ticket._escalation_policy = None
        ticket._escalation_config = escalation
        ticket._due = _STALE
        ticket._known = _NOT_KNOWN
        ticket._scan = None
        return ticket

    # -- the one place state changes -----------------------------------------------------

    def _apply(self, event: Event) -> None:
        """Apply one event (commands and replay): check it and evolve the ticket through
        its handler (the only code that changes a ticket), then record it and tell the
        SLA. A refused event raises and changes nothing."""
        handler = _HANDLERS.get(type(event))
        if handler is None:
            raise InvalidArgument(
                f"{type(event).__name__} is not an event a ticket records", field="event"
            )
        at = event.at_us
        if type(at) is not int or not (self._last_us <= at <= LATEST_US and at >= EARLIEST_US):
            self._check_order(event)  # raises the error naming the rule
        handler(self, event)
        self._history.append(event)
        if at > self._last_us:
            self._last_us = at
        sla = self._sla
        if sla is not None and sla.observe(self, event) and self._due != _STALE:
            # The cached next due instant stands when the SLA's did not move and no
            # escalation rule can fall due before it: most events of a ticket without
            # warnings yet, or whose warnings' rules have fired (the next command then
            # skips the catch-up, too).
            escalation = self._escalation_policy
            if escalation is None or escalation._keeps_due(self, sla, self._due):
                return
        self._due = _STALE

    def _record_due(self, us: int) -> None:
        """Record the SLA events and escalations due at or before ``us``; the cached next
        due instant (when known) tells with one comparison that nothing is, as for most
        commands."""
        due = self._due
        if due is None or due > us or self._status is _CLOSED:
            return
        if self._escalation_policy is not None:
            # The escalation policy interleaves SLA events and escalations in time order.
            self._escalation_policy.apply_us(self, us)
        elif self._sla is not None:
            for event in self._sla.due_events(us):
                self._apply(event)

    def _rewind(self, version: int) -> None:
        """Go back to the state after the first ``version`` events (a failed command)."""
        past = type(self)._rebuild(
            self._history[:version], self._sla_config, self._escalation_config
        )
        for name in _STATE:
            setattr(self, name, getattr(past, name))
        self._forget()

    def _forget(self) -> None:
        """Drop the ticket's caches (see ``_CACHES``): the next due instant and the
        escalation policy's scan are computed again from the history."""
        self._due = _STALE
        self._scan = None

    def evaluate(self, *, at: _dt.datetime | None = None) -> tuple[Event, ...]:
        """Record what is due at ``at`` (now if omitted): SLA warnings and breaches, each
        stamped at the instant it fell due and at most once per clock cycle, and the
        escalation policy's due escalations, in time order. Returns the events appended
        (empty when nothing is due, and always on a closed ticket).

        Idempotent: evaluating again, or at t1 then t2, gives the history evaluating
        once at t2 gives. ``at`` before the latest event raises :class:`InvalidArgument`.
        """
        us = self._when(at)
        start = len(self._history)
        self._record_due(us)
        return tuple(self._history[start:])

    @classmethod
    def _start(
        cls,
        opened: TicketOpened,
        sla: SLAAttachment | None,
        escalation: EscalationConfig | None,
        *,
        attach: bool = True,
    ) -> Ticket:
        """A ticket that just opened; its SLA clocks start now under the set new
        tickets open under, unless ``attach`` is False (a load attaches the set the
        next event names, see :meth:`_attach`)."""
        ticket = cls._blank(sla, escalation)
        ticket._apply(opened)
        if attach:
            if sla is not None:
                ticket._attach(LATEST, record=True)
            if escalation is not None:
                ticket._choose_escalation(LATEST, record=True)
        return ticket

    def _attach(self, version: object, *, record: bool) -> None:
        """Start the SLA clocks (at creation) under the set of ``version`` of the SLA
        configuration; with ``record``, a versioned set is recorded as the one the
        ticket opened under. :class:`UnknownName` when the configuration lacks it."""
        assert self._sla_config is not None
        policies: SLAAttachment = _edition_of(self._sla_config, version)
        self._sla = self._state_for(policies, self)
        self._forget()
        opened_under = getattr(policies, "version", None)
        if record and opened_under is not None:
            self._apply(
                SLAVersionApplied(at_us=self._created_us, version=opened_under, mode=_OPENED_UNDER)
            )

    def _choose_escalation(self, version: object, *, record: bool) -> None:
        """Follow the escalation policy of ``version`` of the escalation configuration
        (at creation); with ``record``, a versioned policy is recorded as the one the
        ticket opened under. :class:`UnknownName` when the configuration lacks it."""
        assert self._escalation_config is not None
        policy: EscalationProtocol = _edition_of(self._escalation_config, version)
        self._escalation_policy = policy
        self._forget()
        opened_under = getattr(policy, "version", None)
        if record and opened_under is not None:
            self._apply(
                EscalationVersionApplied(
                    at_us=self._created_us, version=opened_under, mode=_ESCALATION_OPENED
                )
            )

    def _settle(self, event: Event | None) -> bool:
        """On a load, before each event after ``ticket_opened`` while the opening is
        unsettled (None: the history ends there): attach the SLA clocks and choose the
        escalation policy under the versions the opening records name (a record is
        then applied here, as part of the opening: True), else under the unversioned
        ones. False once both are settled, with ``event`` still to apply."""
        if self._sla is None and self._sla_config is not None:
            if type(event) is SLAVersionApplied and event.mode == _OPENED_UNDER:
                self._attach(event.version, record=False)
                self._apply(event)
                return True
            self._attach(None, record=False)
        if self._escalation_policy is None and self._escalation_config is not None:
            if type(event) is EscalationVersionApplied and event.mode == _ESCALATION_OPENED:
                self._choose_escalation(event.version, record=False)
                self._apply(event)
                return True
            self._choose_escalation(None, record=False)
        return False

    def _state_for(self, policies: SLAAttachment, ticket: Ticket) -> SLAStateProtocol:
        """The SLA state ``policies`` give ``ticket`` (just opened)."""
        return policies.attach(ticket)

    def _repaired(self, policies: SLAPolicySet) -> SLAState:
        """The SLA state ``policies`` would have given this ticket had they applied
        since it opened: its history replayed without what the clocks said (warnings,
        breaches, versions), on a copy of the ticket's facts."""
        history = self._history
        shadow = type(self)._blank()
        shadow._escalation_policy = _TRUSTED
        shadow._apply(history[0])
        shadow._sla = self._state_for(policies, shadow)
        for event in history[1:]:
            if type(event) not in _NOT_REPLAYED:
                shadow._apply(event)
        return cast(SLAState, shadow._sla)

    def _when(self, at: object | None) -> int:
        known = self._known
        us = known[1] if at is known[0] and at is not None else at_us(at)
        if us < self._last_us:
            raise InvalidArgument(
                f"at={format_instant(us)} is earlier than the latest event of ticket {self._id} "
                f"({format_instant(self._last_us)}); commands cannot go back in time"
            )
        return us

    def _target(
        self, trigger: str, status: TicketStatus | None = None, context: object = None
    ) -> TicketStatus:
        """Where ``trigger`` leads from ``status`` (default: now), or raise.

        Unguarded edges are one lookup; guarded ones (and refusals, which name what is
        allowed) go through the Lifecycle with the ticket and ``context`` (the event).
        """
        source = self._status if status is None else status
        found = _NEXT[source._value_].get(trigger)
        if found is not None:
            return found
        return _STATUS[TICKET_LIFECYCLE.target(self._id, _PLAIN[source], trigger, self, context)]

    # -- creation ------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        ticket_id: str,
        *,
        customer_id: str,
        subject: str,
        topic: Topic | str,
        channel: Channel | str,
        priority: Priority | str = Priority.NORMAL,
        phase: LifecyclePhase | str = LifecyclePhase.USING,
        body: str | None = None,
        tags: Iterable[str] = (),
        team: str | None = None,
        tier: int | None = None,
        auto_close_after: _dt.timedelta = _DEFAULT_AUTO_CLOSE,
        segment: str | None = None,
        sla: SLAAttachment | None = None,
        escalation: EscalationConfig | None = None,
        at: _dt.datetime | None = None,
    ) -> Ticket:
        """Open a ticket (status new); ``body`` is the customer's first message, if any.

        ``ticket_id`` is the host's identifier. ``topic`` sets the domain (service or
        support). ``auto_close_after`` is how long a solved ticket waits for the
        customer before :meth:`auto_close` may close it. ``segment`` is the host's
        customer segment (SLA conditions read it); ``sla`` (an ``SLAPolicySet``, or
        ``SLAPolicyVersions``: its current set) starts the SLA clocks at creation;
        ``escalation`` (an ``EscalationPolicy``, or ``EscalationPolicyVersions``: its
        current policy) joins :meth:`next_deadline` and the catch-up of every command.
        """
        # The texts and the tier are checked once, by the evolve step (_on_opened); the
        # arguments that take other forms than the event's are converted here.
        return cls._start(
            TicketOpened(
                at_us=at_us(at),
                ticket_id=ticket_id,
                customer_id=customer_id,
                subject=subject,
                topic=_member(Topic, topic, "topic"),
                channel=_member(Channel, channel, "channel"),
                priority=_member(Priority, priority, "priority"),
                phase=_member(LifecyclePhase, phase, "phase"),
                body=body,
                tags=_open_tags(tags),
                team=team,
                tier=tier,
                segment=segment,
                auto_close_after_us=(
                    _DEFAULT_AUTO_CLOSE_US
                    if auto_close_after is _DEFAULT_AUTO_CLOSE
                    else duration_us(auto_close_after, "auto_close_after")
                ),
            ),
            sla,
            escalation,
        )

    def follow_up(
        self,
        new_ticket_id: str,
        *,
        body: str,
        subject: str | None = None,
        channel: Channel | str | None = None,
        at: _dt.datetime | None = None,
    ) -> Ticket:
        """A new ticket following up this closed one (which does not change).

        It keeps this ticket's customer, topic, priority, phase, tags, team, tier,
        segment, auto-close delay, SLA policies and escalation policy; ``subject`` and
        ``channel`` default to this ticket's. Raises :class:`InvalidTransition` unless
        this ticket is closed (an unclosed ticket takes a ``customer_message`` instead).
        """
        if self._status is not _CLOSED:
            raise InvalidTransition(
                "ticket",
                self._id,
                self._status.value,
                "follow_up",
                TICKET_LIFECYCLE.allowed(self._status),
                "only a closed ticket gets a follow-up: add a customer_message to this one",
            )
        new_id = _text(new_ticket_id, "new_ticket_id")
        if new_id == self._id:
            raise InvalidArgument(f"a follow-up needs its own id, got this ticket's {new_id!r}")
        opened = TicketOpened(
            at_us=self._when(at),
            ticket_id=new_id,
            customer_id=self._customer_id,
            subject=self._subject if subject is None else _text(subject, "subject"),
            topic=self._topic,
            channel=self._channel if channel is None else _member(Channel, channel, "channel"),
            priority=self._priority,
            phase=self._phase,
            body=_text(body, "body"),
            tags=self._tags,
            team=self._team,
            tier=self._tier,
            segment=self._segment,
            follow_up_of=self._id,
            auto_close_after_us=self._auto_close_after_us,
        )
        return type(self)._start(opened, self._sla_config, self._escalation_config)

    @classmethod
    def replay(
        cls,
        events: Iterable[Event],
        *,
        sla: SLAAttachment | None = None,
        escalation: EscalationConfig | None = None,
    ) -> Ticket:
        """Rebuild a ticket from its history; equal to the original given the same
        ``sla`` and ``escalation``. Raises the error of the first event that does not fit,
        including an SLA or escalation event that configuration could not have recorded
        (see :meth:`from_dict`)."""
        ticket = cls._rebuild(events, sla, escalation)
        ticket._loaded_now()
        return ticket

    @classmethod
    def _rebuild(
        cls,
        events: Iterable[Event],
        sla: SLAAttachment | None,
        escalation: EscalationConfig | None,
    ) -> Ticket:
        iterator = iter(events)
        first = next(iterator, None)
        if not isinstance(first, TicketOpened):
            raise InvalidArgument(f"a ticket history starts with TicketOpened, got {first!r}")
        ticket = cls._start(first, sla, escalation, attach=False)
        # Without SLA policies or an escalation policy nothing can fall due (and there
        # is no opening to settle).
        catching_up = pending = sla is not None or escalation is not None
        for event in iterator:
            if pending:
                if ticket._settle(event):
                    continue
                pending = False
            if catching_up:
                ticket._check_caught_up(event)
            ticket._apply(event)
        if pending:
            ticket._settle(None)
        return ticket

    def _check_caught_up(self, event: Event) -> None:
        """Refuse a loaded command event before which an SLA warning or breach fell due
        that is not recorded: the command would have recorded it first (the load-side
        twin of the catch-up in every command). One comparison while nothing is due."""
        if (
            type(event) is SLAThresholdReached
            or type(event) is SLABreached
            or getattr(event, "rule", None) is not None  # recorded by the catch-up too
        ):
            return
        at = event.at_us
        sla = self._sla
        if sla is not None and not (type(sla) is SLAState and at < sla._horizon):
            due = sla.due_events(at)
            if due:
                missing = due[0]
                raise InvalidArgument(
                    f"{missing.name} for {missing.metric.value} fell due at "  # type: ignore[attr-defined]
                    f"{format_instant(missing.at_us)}, before this event, and is not "
                    "recorded: every command records what fell due before it first",
                    field="at",
                )
        policy = self._escalation_policy
        if policy is not None:
            missed = policy.missed_us(self, at)
            if missed is not None:
                raise InvalidArgument(
                    f"an escalation rule fell due at {format_instant(missed)}, before this "
                    "event, and is not recorded: every command records what fell due "
                    "before it first",
                    field="at",
                )

    # -- commands ------------------------------------------------------------------------

    @_evaluating
    def assign(
        self,
        agent: str,
        *,
        team: str | None = None,
        actor: str | None = None,
        reason: str | None = None,
        at: _dt.datetime | None = None,
    ) -> None:
        """Give the ticket to ``agent`` (and ``team``); a different agent counts a reassignment.

        ``reason`` (non-empty text, e.g. a :class:`RoutingDecision`'s ``reason``) is
        recorded in the ``assigned`` event. Assigning the current agent (and team) again
        is refused as a no-op.
        """
        self._apply(
            TicketAssigned(at_us=self._when(at), agent=agent, team=team, actor=actor, reason=reason)
        )

    @_evaluating
    def reply(
        self,
        author: str,
        body: str,
        *,
        channel: Channel | str | None = None,
        at: _dt.datetime | None = None,
    ) -> None:
        """A public agent reply (new -> open); ``channel`` defaults to the ticket's."""
        self._target("reply")
        event = TicketReplied(
            author=author,
            body=body,
            channel=self._channel if channel is None else _member(Channel, channel, "channel"),
            at_us=self._when(at),
        )
        self._apply(event)

    @_evaluating
    def add_note(self, author: str, body: str, *, at: _dt.datetime | None = None) -> None:
        """An internal note (never shown to the customer); the status does not change."""
        self._apply(TicketNoteAdded(author=author, body=body, at_us=self._when(at)))

    @_evaluating
    def customer_message(
        self, body: str, *, channel: Channel | str | None = None, at: _dt.datetime | None = None
    ) -> None:
        """A message from the customer: pending, on_hold and solved go back to open
        (from solved it is a reopen, counted). ``channel`` defaults to the ticket's."""
        self._target("customer_message")
        event = TicketCustomerMessaged(
            body=body,
            channel=self._channel if channel is None else _member(Channel, channel, "channel"),
            at_us=self._when(at),
        )
        self._apply(event)

    def _change_status(self, trigger: str, at: _dt.datetime | None) -> None:
        # The destination is the Machine's (an unguarded one from its table); a guarded
        # trigger (auto_close) is checked with the event, so its destination is read
        # without its guard first.
        to_status = _NEXT[self._status._value_].get(trigger)
        if to_status is None:
            to_status = _STATUS[
                TICKET_LIFECYCLE.destination(self._id, _PLAIN[self._status], trigger)
            ]
        self._apply(
            TicketStatusChanged(
                at_us=self._when(at),
                from_status=self._status,
                to_status=to_status,
                trigger=trigger,
            )
        )

    @_evaluating
    def set_pending(self, *, at: _dt.datetime | None = None) -> None:
        """Wait on the customer (pending)."""
        self._change_status("set_pending", at)

    @_evaluating
    def put_on_hold(self, *, at: _dt.datetime | None = None) -> None:
        """Wait on a third party (on_hold)."""
        self._change_status("put_on_hold", at)

    @_evaluating
    def resume(self, *, at: _dt.datetime | None = None) -> None:
        """Back to open from pending or on_hold."""
        self._change_status("resume", at)

    @_evaluating
    def solve(
        self, resolution: str, *, actor: str | None = None, at: _dt.datetime | None = None
    ) -> None:
        """Solve with ``resolution``; the customer may then confirm, or it auto-closes.

        Raises :class:`InvalidTransition` when the ticket has no assignee.
        """
        self._apply(TicketSolved(resolution=resolution, actor=actor, at_us=self._when(at)))

    @_evaluating
    def confirm(self, *, at: _dt.datetime | None = None) -> None:
        """The customer confirms the solution: solved -> closed (final)."""
        self._change_status("confirm", at)

    @_evaluating
    def auto_close(self, *, at: _dt.datetime | None = None) -> None:
        """Close a solved ticket the customer did not answer, at or after :attr:`auto_close_at`.

        Hosts call it when :meth:`next_deadline` comes; earlier is an
        :class:`InvalidTransition` naming the due instant.
        """
        self._change_status("auto_close", at)

    @_evaluating
    def change_priority(
        self,
        priority: Priority | str,
        *,
        reason: str | None = None,
        at: _dt.datetime | None = None,
    ) -> None:
        """Set a new priority (the same priority again is refused as a no-op)."""
        self._target("change_priority")
        event = TicketPriorityChanged(
            from_priority=self._priority,
            to_priority=_member(Priority, priority, "priority"),
            reason=reason,
            at_us=self._when(at),
        )
        self._apply(event)

    @_evaluating
    def tag(self, *tags: str, at: _dt.datetime | None = None) -> None:
        """Add tags (words without spaces); refused when the ticket has them all already."""
        self._target("tag")
        added = _tag_set(tags, "tag") - self._tags
        if not added:
            raise InvalidArgument(f"ticket {self._id} already has the tags {sorted(tags)}")
        self._apply(TicketTagged(tags=added, at_us=self._when(at)))

    @_evaluating
    def untag(self, *tags: str, at: _dt.datetime | None = None) -> None:
        """Remove tags; refused when the ticket has none of them."""
        self._target("untag")
        removed = _tag_set(tags, "untag") & self._tags
        if not removed:
            raise InvalidArgument(f"ticket {self._id} has none of the tags {sorted(tags)}")
        self._apply(TicketUntagged(tags=removed, at_us=self._when(at)))

    @_evaluating
    def link(self, other_ticket_id: str, *, at: _dt.datetime | None = None) -> None:
        """Record a related ticket (itself and an existing link are refused)."""
        self._apply(TicketLinked(other_id=other_ticket_id, at_us=self._when(at)))

    @_evaluating
    def apply_sla_version(self, version: str, *, at: _dt.datetime | None = None) -> None:
        """Follow the SLA policies of ``version`` from ``at`` on (the ticket needs
        ``sla=`` an ``SLAPolicyVersions`` holding it): the ticket is matched again and
        running clocks are re-targeted from their original start, as on a priority
        change; a threshold the new targets put in the past is recorded at ``at``.
        The version that already applies is refused as a no-op."""
        self._change_sla(version, SLAVersionMode.FROM_NOW, at)

    @_evaluating
    def repair_sla(self, version: str, *, at: _dt.datetime | None = None) -> None:
        """Recompute the SLA clocks as if the policies of ``version`` had applied since
        the ticket opened (ServiceNow's "Repair SLA"): its history is replayed under
        them. What the repaired clocks have reached is recorded at ``at`` (the earlier
        warnings and breaches stay in the history, as what was said then)."""
        self._change_sla(version, SLAVersionMode.REPAIR, at)

    @_evaluating
    def apply_escalation_version(self, version: str, *, at: _dt.datetime | None = None) -> None:
        """Follow the escalation policy of ``version`` from ``at`` on (the ticket needs
        ``escalation=`` an ``EscalationPolicyVersions`` holding it). Its rules are
        evaluated over the ticket's current cycle, as any policy's are: a rule whose
        condition already holds, and that has not fired this cycle (rules are known by
        name across versions), is recorded at ``at``. What the previous version's rules
        recorded stays. The version that already applies is refused as a no-op."""
        name = _text(version, "version")
        event = EscalationVersionApplied(
            at_us=self._when(at), version=name, mode=EscalationVersionMode.FROM_NOW
        )
        self._apply(event)
        self._record_due(event.at_us)

    def _change_sla(self, version: str, mode: SLAVersionMode, at: _dt.datetime | None) -> None:
        name = _text(version, "version")
        event = SLAVersionApplied(at_us=self._when(at), version=name, mode=mode)
        self._apply(event)
        self._record_due(event.at_us)

    def template_values(self, agent: str | None = None) -> dict[str, str]:
        """The placeholder values a ticket gives a template: ``ticket.id``,
        ``ticket.subject``, ``ticket.customer_id``, ``ticket.status``,
        ``ticket.priority``, ``ticket.topic``, ``ticket.domain``, ``ticket.channel``,
        ``ticket.assignee``, ``ticket.team``, ``customer.id`` and ``agent.id``
        (those without a value are left out)."""
        values = {
            "ticket.id": self._id,
            "ticket.subject": self._subject,
            "ticket.customer_id": self._customer_id,
            "ticket.status": self._status.value,
            "ticket.priority": self._priority.value,
            "ticket.topic": self._topic.value,
            "ticket.domain": self._topic.domain.value,
            "ticket.channel": self._channel.value,
            "customer.id": self._customer_id,
        }
        if self._assignee is not None:
            values["ticket.assignee"] = self._assignee
        if self._team is not None:
            values["ticket.team"] = self._team
        if agent is not None:
            values["agent.id"] = agent
        return values

    @_evaluating
    def apply_template(
        self,
        template: ResponseTemplate,
        *,
        agent: str,
        values: Mapping[str, Any] | None = None,
        resolution: str | None = None,
        at: _dt.datetime | None = None,
    ) -> None:
        """Post ``template`` as ``agent``'s public reply, then apply its field actions
        (priority, tags, status), all in one atomic command.

        Placeholders take :meth:`template_values` plus ``values`` (which win; nested
        mappings like ``{"customer": {"name": "Ada"}}`` give ``customer.name``).
        Raises :class:`MissingPlaceholders` listing every missing name, and
        :class:`InvalidTransition` when a status action is impossible from where the
        reply leaves the ticket. A template solving the ticket records ``resolution``
        (default: the template name) and needs an assignee.
        """
        if not isinstance(template, ResponseTemplate):
            raise InvalidType(f"template must be a ResponseTemplate, got {template!r}")
        status = self._target("reply")
        agent = _text(agent, "agent")
        merged = self.template_values(agent)
        merged.update(flatten_values(values))
        body = template.render(merged)
        us = self._when(at)
        events: list[Event] = [
            TicketReplied(
                author=agent, body=body, channel=self._channel, template=template.name, at_us=us
            )
        ]
        priority = template.set_priority
        if priority is not None and priority is not self._priority:
            self._target("change_priority", status)
            events.append(
                TicketPriorityChanged(
                    from_priority=self._priority,
                    to_priority=priority,
                    reason=f"template {template.name}",
                    at_us=us,
                )
            )
        added = template.add_tags - self._tags
        if added:
            self._target("tag", status)
            events.append(TicketTagged(tags=added, at_us=us))
        wanted = template.set_status
        if wanted is not None and wanted is not status:
            trigger = TEMPLATE_STATUSES[wanted]
            self._target(trigger, status)
            if trigger == "solve":
                text = template.name if resolution is None else _text(resolution, "resolution")
                events.append(TicketSolved(resolution=text, actor=agent, at_us=us))
            else:
                events.append(
                    TicketStatusChanged(
                        from_status=status, to_status=wanted, trigger=trigger, at_us=us
                    )
                )
        for index, event in enumerate(events):
            if index:
                # Each event of the template is a command event: what its predecessor
                # made due at this instant (a priority change can breach a clock on the
                # spot) is recorded before it, as a load expects.
                self._record_due(us)
            self._apply(event)

    # -- escalation ----------------------------------------------------------------------

    def _ladder(self, ladder: TierLadder | None) -> TierLadder:
        if ladder is not None:
            if not isinstance(ladder, TierLadder):
                raise InvalidType(f"ladder must be a TierLadder, got {ladder!r}")
            return ladder
        policy_ladder = getattr(self._escalation_policy, "ladder", None)
        return policy_ladder if isinstance(policy_ladder, TierLadder) else _DEFAULT_LADDER

    def _move_tier(
        self,
        kind: type[M],
        reason: str,
        actor: str,
        to_tier: int | None,
        team: str | None,
        ladder: TierLadder | None,
        at: _dt.datetime | None,
    ) -> M:
        up = kind is TicketEscalated
        self._target("escalate" if up else "de_escalate")
        tier, target_team = move_target(self, self._ladder(ladder), to_tier, team, up=up)
        event = kind(
            at_us=self._when(at),
            from_tier=self._tier,
            from_team=self._team,
            to_tier=tier,
            to_team=target_team,
            reason=reason,
            actor=actor,
        )
        self._apply(event)
        return event

    @_evaluating
    def escalate(
        self,
        *,
        reason: str,
        actor: str,
        to_tier: int | None = None,
        team: str | None = None,
        ladder: TierLadder | None = None,
        at: _dt.datetime | None = None,
    ) -> TicketEscalated:
        """Functional escalation: move up one tier, or to ``to_tier`` / ``team``.

        ``ladder`` defaults to the escalation policy's, else the default tiers 0-4. A
        team alone means its tier; the move goes up or sideways, never down (see
        :meth:`de_escalate`). Beyond the top tier, or outside the ladder, raises
        :class:`InvalidArgument` naming the valid range; an unknown team
        :class:`UnknownName`. Allowed while unsolved. Returns the event recorded.
        """
        return self._move_tier(TicketEscalated, reason, actor, to_tier, team, ladder, at)

    @_evaluating
    def de_escalate(
        self,
        *,
        reason: str,
        actor: str,
        to_tier: int | None = None,
        team: str | None = None,
        ladder: TierLadder | None = None,
        at: _dt.datetime | None = None,
    ) -> TicketDeEscalated:
        """Hand the ticket back down one tier, or to the lower ``to_tier`` / ``team``.

        Below the bottom tier raises :class:`InvalidArgument`. Returns the event.
        """
        return self._move_tier(TicketDeEscalated, reason, actor, to_tier, team, ladder, at)

    @_evaluating
    def notify_manager(
        self,
        *,
        role: str,
        reason: str,
        actor: str | None = None,
        at: _dt.datetime | None = None,
    ) -> TicketManagerNotified:
        """Hierarchical escalation: alert the manager ``role``; tier and team stay.

        Allowed until the ticket is closed. Returns the event recorded.
        """
        event = TicketManagerNotified(at_us=self._when(at), role=role, reason=reason, actor=actor)
        self._apply(event)
        return event

    @_evaluating
    def request_escalation(
        self,
        *,
        reason: str,
        channel: Channel | str | None = None,
        at: _dt.datetime | None = None,
    ) -> TicketEscalationRequested:
        """Record that the customer asked for escalation (policies may react to it).

        Allowed while unsolved (on a solved ticket the customer's message reopens it
        first). Returns the event recorded.
        """
        event = TicketEscalationRequested(
            at_us=self._when(at),
            reason=reason,
            channel=None if channel is None else _member(Channel, channel, "channel"),
        )
        self._apply(event)
        return event

    # -- read-only surface ---------------------------------------------------------------

    @property
    def id(self) -> str:
        """The host's identifier."""
        return self._id

    @property
    def customer_id(self) -> str:
        """The customer who raised the ticket."""
        return self._customer_id

    @property
    def subject(self) -> str:
        """The subject line."""
        return self._subject

    @property
    def domain(self) -> Domain:
        """Customer service or customer support (from the topic)."""
        return self._topic.domain

    @property
    def topic(self) -> Topic:
        """What the ticket is about."""
        return self._topic

    @property
    def channel(self) -> Channel:
        """The channel the ticket came in on."""
        return self._channel

    @property
    def priority(self) -> Priority:
        """The current priority."""
        return self._priority

    @property
    def phase(self) -> LifecyclePhase:
        """The customer's lifecycle phase at contact."""
        return self._phase

    @property
    def tags(self) -> frozenset[str]:
        """The current tags."""
        return self._tags

    @property
    def assignee(self) -> str | None:
        """The agent it is assigned to, or None."""
        return self._assignee

    @property
    def team(self) -> str | None:
        """The team that owns it, or None."""
        return self._team

    @property
    def tier(self) -> int | None:
        """The support tier (0 self-service .. 4 vendor), or None."""
        return self._tier

    @property
    def segment(self) -> str | None:
        """The host's customer segment given at open, or None."""
        return self._segment

    @property
    def status(self) -> TicketStatus:
        """The current status."""
        return self._status

    @property
    def created_at(self) -> pendulum.DateTime:
        """When it was opened (UTC)."""
        return to_datetime(self._created_us)

    @property
    def created_at_us(self) -> int:
        """When it was opened, microseconds since the epoch."""
        return self._created_us

    @property
    def updated_at_us(self) -> int:
        """The latest instant in its history, microseconds since the epoch."""
        return self._last_us

    @property
    def follow_up_of(self) -> str | None:
        """The closed ticket this one follows up, or None."""
        return self._follow_up_of

    @property
    def related(self) -> tuple[str, ...]:
        """Linked tickets, in the order they were linked."""
        return self._related

    @property
    def conversation(self) -> tuple[Message, ...]:
        """Customer messages, public replies and internal notes, in order."""
        customer = MessageKind.CUSTOMER
        messages: list[Message] = []
        for event in self._history:
            if isinstance(event, TicketCustomerMessaged | TicketOpened):
                if event.body is not None:
                    messages.append(
                        Message(
                            kind=customer,
                            author=self._customer_id,
                            body=event.body,
                            channel=event.channel,
                            at_us=event.at_us,
                        )
                    )
            elif isinstance(event, TicketReplied):
                messages.append(
                    Message(
                        kind=MessageKind.REPLY,
                        author=event.author,
                        body=event.body,
                        channel=event.channel,
                        at_us=event.at_us,
                    )
                )
            elif isinstance(event, TicketNoteAdded):
                messages.append(
                    Message(
                        kind=MessageKind.NOTE,
                        author=event.author,
                        body=event.body,
                        channel=None,
                        at_us=event.at_us,
                    )
                )
        return tuple(messages)

    @property
    def resolution(self) -> str | None:
        """The resolution recorded by the latest solve (None once reopened)."""
        return self._resolution

    @property
    def reopens(self) -> int:
        """How many times a customer message reopened it from solved."""
        return len(self._cycles) - 1

    @property
    def reopens_us(self) -> tuple[int, ...]:
        """When each reopen happened (microseconds), oldest first."""
        history = self._history
        return tuple(history[index].at_us for index in self._cycles[1:])

    @property
    def cycle_starts(self) -> tuple[int, ...]:
        """The history index of the event that started each cycle: 0 (the opening),
        then each reopen. SLA status clocks, escalation rules and metrics read this."""
        return self._cycles

    @property
    def reassignments(self) -> int:
        """How many times it moved from one agent to another."""
        return len(self._reassigned)

    @property
    def reassignments_us(self) -> tuple[int, ...]:
        """When each reassignment happened (microseconds), oldest first."""
        history = self._history
        return tuple(history[index].at_us for index in self._reassigned)

    @property
    def public_replies(self) -> int:
        """How many public agent replies it received."""
        return self._public_replies

    @property
    def first_contact_resolution(self) -> bool:
        """Solved (or closed) with exactly one public agent reply and never reopened."""
        return (
            (self._status is _SOLVED or self._status is _CLOSED)
            and self._public_replies == 1
            and len(self._cycles) == 1
        )

    @property
    def solved_at(self) -> pendulum.DateTime | None:
        """When the latest solve happened (None while unsolved)."""
        return None if self._solved_us is None else to_datetime(self._solved_us)

    @property
    def solved_at_us(self) -> int | None:
        """:attr:`solved_at` in microseconds."""
        return self._solved_us

    @property
    def closed_at(self) -> pendulum.DateTime | None:
        """When it closed, or None."""
        return None if self._closed_us is None else to_datetime(self._closed_us)

    @property
    def closed_at_us(self) -> int | None:
        """:attr:`closed_at` in microseconds."""
        return self._closed_us

    @property
    def auto_close_after(self) -> pendulum.Duration:
        """How long a solved ticket waits for the customer before it may auto-close."""
        return pendulum.Duration(microseconds=self._auto_close_after_us)

    @property
    def auto_close_at_us(self) -> int | None:
        """:attr:`auto_close_at` in microseconds."""
        if self._status is not _SOLVED or self._solved_us is None:
            return None
        return self._solved_us + self._auto_close_after_us

    @property
    def auto_close_at(self) -> pendulum.DateTime | None:
        """While solved, the instant from which :meth:`auto_close` may close it."""
        due = self.auto_close_at_us
        return None if due is None else to_datetime(due)

    @property
    def sla(self) -> SLAState | None:
        """The SLA state attached at open (clocks, report, policy), or None."""
        return cast("SLAState | None", self._sla)

    @property
    def escalation_policy(self) -> EscalationProtocol | None:
        """The escalation policy that applies now (of versions given, the one the
        history last applied), or None."""
        return self._escalation_policy

    @property
    def allowed_commands(self) -> tuple[str, ...]:
        """The lifecycle triggers allowed in the current status, sorted."""
        return TICKET_LIFECYCLE.allowed(self._status)

    def next_deadline_us(self) -> int | None:
        """:meth:`next_deadline` in microseconds."""
        due = self._due
        if due == _STALE:
            due = self._next_due()
        close = self.auto_close_at_us
        if close is not None and (due is None or close < due):
            return close
        return due

    def _next_due(self) -> int | None:
        """The earliest instant an SLA event or an escalation is due (cached in ``_due``
        until the next event, which lets commands skip the catch-up before that)."""
        best: int | None = None
        if self._status is not _CLOSED:
            if self._sla is not None:
                best = self._sla.next_deadline_us()
            if self._escalation_policy is not None:
                # Rules due after the SLA's next deadline may be left out (it comes
                # first); without one, after the auto-close (a solved ticket's cycle
                # has ended, so no rule falls due after the solve anyway).
                before = best if best is not None else self.auto_close_at_us
                due = self._escalation_policy.next_due_us(self, before)
                if due is not None and (best is None or due < best):
                    best = due
        self._due = best
        return best

    def next_deadline(self) -> pendulum.DateTime | None:
        """The earliest instant something is due: auto-close (while solved), an SLA
        warning or breach, an escalation rule. None when nothing is pending."""
        due = self.next_deadline_us()
        return None if due is None else to_datetime(due)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _STATE)

    def __deepcopy__(self, memo: dict[int, object]) -> Ticket:
        """An equal, independent ticket, rebuilt from the history: events and the SLA and
        escalation configuration are immutable, so the copy shares them."""
        return type(self).replay(
            self._history, sla=self._sla_config, escalation=self._escalation_config
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<Ticket {self._id} {self._status.value} v{len(self._history)}>"

    # -- documents -----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (type ``"ticket"``, schema 2): a snapshot for hosts to
        index (id, customer, status, priority, assignee, team, tier, tags, instants,
        version) and the history, from which :meth:`from_dict` rebuilds the ticket.
        A ticket with SLA policies also carries its clock snapshot under ``"sla"``."""
        encoders = TICKET_CODEC.tagged_encoders()
        encode = TICKET_CODEC.encode_tagged
        data = {
            "type": TICKET_MIGRATIONS.kind,
            "schema": TICKET_MIGRATIONS.current,
            "id": self._id,
            "customer_id": self._customer_id,
            "status": self._status.value,
            "priority": self._priority.value,
            "assignee": self._assignee,
            "team": self._team,
            "tier": self._tier,
            "tags": sorted(self._tags),
            "created_at": format_instant(self._created_us),
            "updated_at": format_instant(self._last_us),
            "version": len(self._history),
            "history": [(encoders.get(type(event)) or encode)(event) for event in self._history],
        }
        if self._sla is not None:
            data["sla"] = self._sla.to_dict()
        return data

    def _check_snapshot_field(self, reader: Reader, key: str) -> None:
        """Raise the :class:`SchemaError` for a snapshot field that disagrees with history."""
        replayed: object
        stored: object
        if key in ("id", "customer_id", "status", "priority"):
            stored = reader.text(key)
            replayed = {
                "id": self._id,
                "customer_id": self._customer_id,
                "status": self._status.value,
                "priority": self._priority.value,
            }[key]
        elif key in ("assignee", "team"):
            stored = reader.opt_text(key)
            replayed = self._assignee if key == "assignee" else self._team
        elif key == "tier":
            stored, replayed = reader.opt_integer("tier"), self._tier
        elif key == "tags":
            stored, replayed = sorted(reader.text_list("tags")), sorted(self._tags)
        elif key in ("created_at", "updated_at"):
            stored = reader.instant(key)
            replayed = self._created_us if key == "created_at" else self._last_us
        else:
            stored, replayed = reader.integer("version"), len(self._history)
        if stored != replayed:
            if key in ("created_at", "updated_at"):
                stored = format_instant(stored)  # type: ignore[arg-type]
                replayed = format_instant(replayed)  # type: ignore[arg-type]
            raise SchemaError(reader.at(key), f"says {stored!r} but the history gives {replayed!r}")

    @classmethod
    def _snapshot_problem(cls, reader: Reader, sla: SLAAttachment | None) -> SchemaError | None:
        """The error of a stored SLA snapshot written under other SLA policies than
        ``sla``, told from the opening alone (see ``SLAState.verify_opening``), or None.

        Only called when a history does not load under the given configuration.
        """
        stored = reader.data.get("sla")
        if stored is None or sla is None:
            return None
        try:
            base = reader.at("history")
            opened = TICKET_CODEC.decode_tagged_item(reader.array("history")[0], base, 0)
            if not isinstance(opened, TicketOpened):
                return None
            state = cls._start(opened, sla, None)._sla
            if state is not None:
                cast(SLAState, state).verify_opening(stored, reader.at("sla"))
        except SchemaError as error:
            return error if error.path.startswith(reader.at("sla")) else None
        except (SupportflowError, IndexError):
            return None
        return None

    @classmethod
    def from_dict(
        cls,
        data: object,
        *,
        sla: SLAAttachment | None = None,
        escalation: EscalationConfig | None = None,
    ) -> Ticket:
        """Load a document written by :meth:`to_dict` by replaying its history, and
        check that the snapshot fields agree. Bad data raises :class:`SchemaError`
        naming the path (``history[3].at``).

        Pass the configuration the ticket was opened with: ``sla`` (the
        ``SLAPolicySet``, or ``SLAPolicyVersions`` holding every version the history
        names) and ``escalation`` (the ``EscalationPolicy``, or its
        ``EscalationPolicyVersions``). A document
        saved with SLA clocks (it has an ``"sla"`` snapshot) loaded without ``sla``
        raises :class:`SchemaError` at ``sla`` rather than losing its clocks. Given the
        configuration, the history must be one it could have produced: escalations
        stay on the policy's ladder and name its rules, and every SLA warning and
        breach is stamped at the instant the clocks give (else :class:`SchemaError` at
        ``history[i]``)."""
        reader = TICKET_MIGRATIONS.upgrade(data)
        if sla is None and reader.data.get("sla") is not None:
            # Loading it without its clocks would drop them at the next save and take
            # the ticket out of the host's deadline sweep: refuse instead.
            raise SchemaError(
                reader.at("sla"),
                "this ticket was saved with SLA clocks; pass the SLA policies it was "
                "opened with: Ticket.from_dict(data, sla=policy_set)",
            )
        decode = TICKET_CODEC.decode_tagged_item
        fast = TICKET_CODEC.fast_decoders()
        base = reader.at("history")
        ticket: Ticket | None = None
        items = reader.array("history")
        # Without SLA policies or an escalation policy nothing can fall due (and there
        # is no opening to settle).
        catching_up = pending = sla is not None or escalation is not None
        for index, value in enumerate(items):
            # decode_tagged_item inlined for well-formed items (it reads anything else
            # and raises the SchemaError with the path).
            found: Any = _MISSING
            if type(value) is dict:
                name = value.get("event")
                if type(name) is str:
                    quick = fast.get(name)
                    if quick is not None:
                        found = quick(value)
            event: Event = decode(value, base, index) if found is _MISSING else found
            try:
                if ticket is None:
                    if not isinstance(event, TicketOpened):
                        raise SchemaError(
                            f"{base}[{index}].event",
                            f"a ticket history starts with ticket_opened, got {event.name!r}",
                        )
                    ticket = cls._start(event, sla, escalation, attach=False)
                else:
                    if pending:
                        if ticket._settle(event):
                            continue
                        pending = False
                    if catching_up:
                        ticket._check_caught_up(event)
                    ticket._apply(event)
            except SchemaError:
                raise
            except SupportflowError as error:
                text = str(error)
                if type(event) is SLAThresholdReached or type(event) is SLABreached:
                    text += (
                        "; the SLA policies given must be those the ticket was written "
                        "under (load it with the policies it was written with)"
                    )
                problem = SchemaError(event_path(base, index, error), text)
                if ticket is not None and ticket._sla is not None:
                    # Written under other SLA policies? Then say so, at the snapshot.
                    problem = cls._snapshot_problem(reader, sla) or problem
                raise problem from None
        if ticket is None:
            raise SchemaError(base, "a ticket history holds at least one event")
        if pending:
            try:
                ticket._settle(None)
            except SupportflowError as error:
                raise SchemaError(f"{base}[0]", str(error)) from None
        # The snapshot is for hosts to index; it must agree with the history. Plain
        # comparisons on the raw data first: the typed reads only run on a mismatch.
        raw = reader.data
        # The history's own instant texts, when they are the instants to compare (they
        # parsed to them), spare formatting them again; else format.
        history = ticket._history
        first = last = None
        if len(history) == len(items):
            if history[0].at_us == ticket._created_us:
                first = items[0].get("at")
            if history[-1].at_us == ticket._last_us:
                last = items[-1].get("at")
        replayed: tuple[tuple[str, object], ...] = (
            ("id", ticket._id),
            ("customer_id", ticket._customer_id),
            ("status", ticket._status._value_),
            ("priority", ticket._priority._value_),
            ("assignee", ticket._assignee),
            ("team", ticket._team),
            ("tier", ticket._tier),
            ("tags", sorted(ticket._tags)),
            ("created_at", first if type(first) is str else format_instant(ticket._created_us)),
            ("updated_at", last if type(last) is str else format_instant(ticket._last_us)),
            ("version", len(history)),
        )
        for key, expected in replayed:
            stored = raw.get(key, _ABSENT)
            if stored == expected and type(stored) is type(expected):
                continue
            ticket._check_snapshot_field(reader, key)
        # The SLA clocks are derived from the history and the policies given here; a
        # stored snapshot that differs means other policies than those it was written with.
        stored_sla = reader.data.get("sla")
        if ticket._sla is not None:
            if stored_sla is None:
                raise SchemaError(
                    reader.at("sla"),
                    "missing: a ticket with SLA policies stores its clock snapshot here",
                )
            ticket._sla.verify(stored_sla, reader.at("sla"))
        ticket._loaded_now()
        return ticket


class ReferenceTicket(Ticket):
    """A :class:`Ticket` in the uncached reference mode: it keeps no cache between
    events. Every command catches up by asking the SLA clocks and the escalation rules
    what is due (a :class:`ReferenceSLAState` answers from the clocks alone), and every
    next deadline is computed afresh. It records the same histories as
    :class:`Ticket`, slowly: differential tests run both on the same commands and
    compare every answer (``supportflow.testing`` re-exports it)."""

    __slots__ = ()

    def _state_for(self, policies: SLAAttachment, ticket: Ticket) -> SLAStateProtocol:
        state = super()._state_for(policies, ticket)
        if isinstance(state, SLAState):  # the same policies, followed without caches
            return ReferenceSLAState(state.policies, ticket)
        return state

    def _apply(self, event: Event) -> None:
        super()._apply(event)
        self._forget()

    def next_deadline_us(self) -> int | None:
        self._forget()
        return super().next_deadline_us()
