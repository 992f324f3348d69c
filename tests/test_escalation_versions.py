"""Escalation policy versions: a ticket records the version it opened under and every
change, its rules are those of the version that applies, and it loads only under the
versions its history names."""

from __future__ import annotations

import json

import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strategies import examples
from supportflow import (
    EscalateTo,
    EscalationPolicy,
    EscalationPolicyVersions,
    EscalationRule,
    InvalidArgument,
    InvalidType,
    NotifyManager,
    SchemaError,
    SLAPolicy,
    SLAPolicySet,
    SLAPolicyVersions,
    SupportflowError,
    Ticket,
    TicketClosed,
    UnknownName,
    WhenSLAReaches,
)
from supportflow.escalation import EscalationVersionMode, escalation_versions_needed
from supportflow.events import EscalationVersionApplied
from supportflow.testing import escalation_policy_versions, ticket_lifecycles

H = pendulum.duration(hours=1)
T0 = pendulum.datetime(2026, 12, 1, 9, tz="UTC")
SLA = SLAPolicySet([SLAPolicy("standard", {"resolution": {"normal": 8 * H}})])

ESCALATE = EscalationRule("75% of resolution", WhenSLAReaches("resolution", 75), EscalateTo())
NOTIFY = EscalationRule(
    "half of resolution", WhenSLAReaches("resolution", 50), NotifyManager("lead")
)
V1 = EscalationPolicy([ESCALATE], version="v1")
V2 = EscalationPolicy([NOTIFY, ESCALATE], version="v2")
VERSIONS = EscalationPolicyVersions([V1, V2], current="v1")


def _open(escalation: object = VERSIONS, sla: object = SLA) -> Ticket:
    return Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="s",
        topic="billing",
        channel="email",
        tier=1,
        team="customer_service",
        sla=sla,
        escalation=escalation,
        at=T0,
    )


def _names(ticket: Ticket) -> list[str]:
    return [event.name for event in ticket.history]


def _reload(ticket: Ticket, escalation: object = VERSIONS, sla: object = SLA) -> Ticket:
    return Ticket.from_dict(
        json.loads(json.dumps(ticket.to_dict())), sla=sla, escalation=escalation
    )


def test_a_ticket_records_the_escalation_version_it_opened_under() -> None:
    ticket = _open()
    assert _names(ticket) == ["ticket_opened", "escalation_version_applied"]
    record = ticket.history[1]
    assert isinstance(record, EscalationVersionApplied)
    assert (record.version, record.mode, record.at) == ("v1", EscalationVersionMode.OPENED, T0)
    assert ticket.escalation_policy == V1
    assert escalation_versions_needed(ticket.to_dict()) == {"v1"}


def test_the_escalation_record_follows_the_sla_one_when_both_are_versioned() -> None:
    sla = SLAPolicyVersions([SLAPolicySet(SLA.policies, version="s1")])
    ticket = _open(sla=sla)
    assert _names(ticket) == ["ticket_opened", "sla_version_applied", "escalation_version_applied"]
    assert _reload(ticket, sla=sla) == ticket


def test_an_unversioned_policy_records_nothing_and_loads_as_before() -> None:
    plain = EscalationPolicy([ESCALATE])
    ticket = _open(plain)
    assert _names(ticket) == ["ticket_opened"]
    assert escalation_versions_needed(ticket.to_dict()) == {None}
    # Kept as the unversioned edition of a registry, old tickets still load.
    kept = EscalationPolicyVersions([plain, V2])
    loaded = _reload(ticket, kept)
    assert loaded.escalation_policy == plain
    # ... and move to a version with the command.
    loaded.apply_escalation_version("v2", at=T0.add(hours=1))
    assert loaded.escalation_policy == V2


def test_rules_of_the_new_version_whose_condition_already_holds_fire_at_the_change() -> None:
    ticket = _open()
    ticket.assign("ann", at=T0.add(hours=5))  # 62.5 %: v1's 75 % rule is not due yet
    assert [e.name for e in ticket.history if getattr(e, "rule", None)] == []
    ticket.apply_escalation_version("v2", at=T0.add(hours=5, minutes=30))
    changed = T0.add(hours=5, minutes=30)
    tail = [(e.name, e.at, getattr(e, "rule", None)) for e in ticket.history[-2:]]
    assert tail == [
        ("escalation_version_applied", changed, None),
        ("ticket_manager_notified", changed, "half of resolution"),  # 50 % was at 13:00
    ]
    assert ticket.escalation_policy == V2
    assert _reload(ticket) == ticket


def test_a_rule_that_fired_under_the_old_version_does_not_fire_again_under_its_name() -> None:
    ticket = _open()
    ticket.evaluate(at=T0.add(hours=7))  # 75 %: v1 escalates at 15:00
    fired = [e for e in ticket.history if getattr(e, "rule", None) == ESCALATE.name]
    assert len(fired) == 1
    ticket.apply_escalation_version("v2", at=T0.add(hours=7))
    ticket.evaluate(at=T0.add(hours=7, minutes=30))
    again = [e for e in ticket.history if getattr(e, "rule", None) == ESCALATE.name]
    assert again == fired  # the same rule, by name, fires once per cycle
    assert [e.rule for e in ticket.history if e.name == "ticket_manager_notified"] == [NOTIFY.name]


def test_a_rule_the_new_version_drops_no_longer_fires() -> None:
    kept = EscalationPolicyVersions([V2, EscalationPolicy([], version="quiet")], current="v2")
    ticket = _open(kept)
    ticket.apply_escalation_version("quiet", at=T0.add(hours=1))
    ticket.evaluate(at=T0.add(hours=9))
    assert [e for e in ticket.history if getattr(e, "rule", None)] == []
    assert ticket.next_deadline() is None or ticket.next_deadline() > T0.add(hours=9)
    assert _reload(ticket, kept) == ticket


def test_what_the_old_version_made_due_is_recorded_before_the_change() -> None:
    ticket = _open()
    ticket.apply_escalation_version("v2", at=T0.add(hours=7))
    rules = [(e.rule, e.at) for e in ticket.history if getattr(e, "rule", None)]
    # v1's escalation fell due at 15:00, before the change at 16:00: recorded first, at
    # its own instant; v2's notification is then due at the change.
    assert rules == [(ESCALATE.name, T0.add(hours=6)), (NOTIFY.name, T0.add(hours=7))]
    assert _reload(ticket) == ticket


def test_the_version_that_already_applies_is_refused_and_changes_nothing() -> None:
    ticket = _open()
    before = ticket.to_dict()
    with pytest.raises(InvalidArgument, match="'v1' already applies"):
        ticket.apply_escalation_version("v1", at=T0.add(hours=1))
    assert ticket.to_dict() == before


@pytest.mark.parametrize(
    ("version", "error"),
    [("v9", UnknownName), (" ", InvalidArgument), (7, InvalidArgument), (None, InvalidArgument)],
)
def test_a_bad_version_is_refused_and_changes_nothing(version: object, error: type) -> None:
    ticket = _open()
    before = ticket.to_dict()
    with pytest.raises(error):
        ticket.apply_escalation_version(version, at=T0.add(hours=7))  # type: ignore[arg-type]
    # The catch-up due before the command (v1's escalation at 15:00) is taken back too.
    assert ticket.to_dict() == before


def test_a_closed_ticket_or_one_without_versions_cannot_change_version() -> None:
    ticket = _open()
    ticket.assign("ann", at=T0)
    ticket.solve("fixed", at=T0)
    ticket.confirm(at=T0)
    with pytest.raises(TicketClosed):
        ticket.apply_escalation_version("v2", at=T0)
    for escalation in (None, V1):
        other = _open(escalation)
        with pytest.raises(SupportflowError):
            other.apply_escalation_version("v2", at=T0)
        assert _names(other) == _names(_open(escalation))


def test_loading_needs_every_version_the_history_names() -> None:
    ticket = _open()
    ticket.apply_escalation_version("v2", at=T0.add(hours=1))
    document = ticket.to_dict()
    assert escalation_versions_needed(document) == {"v1", "v2"}
    with pytest.raises(SchemaError, match="version 'v1'") as missing:
        Ticket.from_dict(document, sla=SLA, escalation=EscalationPolicyVersions([V2]))
    assert missing.value.path == "history[1].version"
    with pytest.raises(
        SchemaError,
        match=r"the ticket needs escalation policy version 'v2', but the one given is 'v1'; "
        "load it with EscalationPolicyVersions holding every version it names",
    ) as alone:
        Ticket.from_dict(document, sla=SLA, escalation=V1)
    assert alone.value.path == "history[2].version"
    with pytest.raises(SchemaError, match="no escalation policy") as none:
        Ticket.from_dict(document, sla=SLA)
    assert none.value.path == "history[1]"
    # A registry without the unversioned edition refuses a ticket opened before versions.
    plain = _open(EscalationPolicy([ESCALATE])).to_dict()
    with pytest.raises(SchemaError, match=r"\(unversioned\)"):
        Ticket.from_dict(plain, sla=SLA, escalation=VERSIONS)


def test_a_load_refuses_opening_records_out_of_place() -> None:
    document = _open().to_dict()
    late = json.loads(json.dumps(document))
    late["history"][1]["at"] = "2026-12-01T09:00:01Z"
    with pytest.raises(SchemaError) as stamped:
        Ticket.from_dict(late, sla=SLA, escalation=VERSIONS)
    assert stamped.value.path == "history[1].at"
    ticket = _open()
    ticket.assign("ann", at=T0)
    moved = ticket.to_dict()
    moved["history"][1], moved["history"][2] = moved["history"][2], moved["history"][1]
    # Without its record first, the ticket opened unversioned: this registry lacks that.
    with pytest.raises(SchemaError, match=r"\(unversioned\)") as first:
        Ticket.from_dict(moved, sla=SLA, escalation=VERSIONS)
    assert first.value.path == "history[1].version"
    # With an unversioned edition kept, the record later is refused where it stands.
    kept = EscalationPolicyVersions([EscalationPolicy([ESCALATE]), V1, V2])
    with pytest.raises(SchemaError, match="right after the ticket's opening") as after:
        Ticket.from_dict(moved, sla=SLA, escalation=kept)
    assert after.value.path == "history[2].mode"


def test_a_load_refuses_a_rule_event_the_version_then_applying_does_not_have() -> None:
    ticket = _open()
    ticket.apply_escalation_version("v2", at=T0.add(hours=5))
    document = ticket.to_dict()
    # Rewrite the change as v1 applying (the one already applying: no such command).
    edited = json.loads(json.dumps(document))
    change = next(i for i, e in enumerate(edited["history"]) if e.get("mode") == "from_now")
    edited["history"][change]["version"] = "v1"
    with pytest.raises(SchemaError) as refused:
        Ticket.from_dict(edited, sla=SLA, escalation=VERSIONS)
    assert refused.value.path == f"history[{change}].version"


def test_a_policy_document_keeps_its_version() -> None:
    data = V2.to_dict()
    assert data["version"] == "v2"
    assert EscalationPolicy.from_dict(json.loads(json.dumps(data))) == V2
    assert "version" not in EscalationPolicy([ESCALATE]).to_dict()
    with pytest.raises(SchemaError, match="non-blank name without surrounding spaces") as bad:
        EscalationPolicy.from_dict({**data, "version": " v2"})
    assert bad.value.path == "version"
    with pytest.raises(SchemaError) as typed:
        EscalationPolicy.from_dict({**data, "version": 7})
    assert typed.value.path == "version"


def test_registries_refuse_what_they_cannot_hold() -> None:
    with pytest.raises(InvalidArgument, match="two escalation policies have version 'v1'"):
        EscalationPolicyVersions([V1, V1])
    with pytest.raises(InvalidArgument, match="at least one"):
        EscalationPolicyVersions([])
    with pytest.raises(InvalidType, match="expected EscalationPolicy objects"):
        EscalationPolicyVersions([SLA])  # type: ignore[list-item]
    with pytest.raises(UnknownName, match="no escalation policy version 'v3'"):
        EscalationPolicyVersions([V1, V2], current="v3")
    with pytest.raises(InvalidArgument):
        EscalationPolicy([ESCALATE], version="")
    with pytest.raises(InvalidType, match="version must be a str or None"):
        EscalationPolicy([ESCALATE], version=2)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="escalation must be an EscalationPolicy"):
        _open(escalation="v1")
    with pytest.raises(SchemaError, match="expected a ticket document"):
        escalation_versions_needed(V1.to_dict())
    assert EscalationPolicyVersions([V1, V2]).current == V2
    assert VERSIONS.versions == ("v1", "v2")
    assert EscalationPolicyVersions([V1, V2], current="v1") == VERSIONS
    assert EscalationPolicyVersions([V1, V2]) != VERSIONS
    assert "v1" in VERSIONS
    assert "v3" not in VERSIONS
    assert len(VERSIONS) == 2


@settings(max_examples=examples(25))
@given(st.data())
def test_every_lifecycle_under_escalation_versions_reloads_to_the_same_ticket(
    data: st.DataObject,
) -> None:
    kept = data.draw(escalation_policy_versions())
    ticket = data.draw(ticket_lifecycles(sla=st.just(SLA), escalation=st.just(kept)))
    document = json.loads(json.dumps(ticket.to_dict()))
    loaded = Ticket.from_dict(document, sla=SLA, escalation=kept)
    assert loaded == ticket
    assert loaded.escalation_policy == ticket.escalation_policy
    needed = escalation_versions_needed(document)
    assert needed <= set(kept.versions)
    applied = [e for e in ticket.history if type(e) is EscalationVersionApplied]
    assert needed - {None} == {e.version for e in applied}
    opened = [e for e in applied if e.mode is EscalationVersionMode.OPENED]
    assert (None in needed) == (not opened)


def test_rules_due_at_a_change_fire_in_the_order_of_their_instants_and_load_only_so() -> None:
    # The policy lists the 75 % rule first, but 50 % came first: it fires first.
    versions = EscalationPolicyVersions(
        [
            EscalationPolicy([], version="quiet"),
            EscalationPolicy([ESCALATE, NOTIFY], version="both"),
        ],
        current="quiet",
    )
    ticket = _open(versions)
    changed = T0.add(hours=7)
    ticket.apply_escalation_version("both", at=changed)
    tail = [(e.name, e.at, getattr(e, "rule", None)) for e in ticket.history[-3:]]
    assert tail == [
        ("escalation_version_applied", changed, None),
        ("ticket_manager_notified", changed, "half of resolution"),
        ("ticket_escalated", changed, "75% of resolution"),
    ]
    assert _reload(ticket, versions) == ticket
    swapped = ticket.to_dict()
    history = swapped["history"]
    history[-1], history[-2] = history[-2], history[-1]
    with pytest.raises(
        SchemaError, match=r"rule 'half of resolution', due at .* fires first"
    ) as caught:
        Ticket.from_dict(swapped, sla=SLA, escalation=versions)
    assert caught.value.path == f"history[{len(history) - 2}]"
