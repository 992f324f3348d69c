"""The load guarantee, fuzzed: every document that loads is one the commands record.

Real documents come from whole lifecycles (``supportflow.testing``); each is mutated
as a host's fuzzer would (see ``document_mutations``), as it is and with its snapshot
fields rewritten to agree with the mutated history. ``from_dict`` must then raise
:class:`SchemaError` naming a field (and nothing else: no RecursionError,
OverflowError, KeyError...) or return an object whose history the public commands
reproduce event by event (``replay_oracle``), with the same ``to_dict()``.

The deep run (``make fuzz-deep``) draws many more documents and mutations.
"""

from __future__ import annotations

import datetime as _dt
import os
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from document_mutations import mutate, resync, verdict
from replay_oracle import reproduce
from strategies import examples
from supportflow import (
    Channel,
    Customer,
    EscalateTo,
    EscalationPolicy,
    EscalationRule,
    FeedbackProgram,
    Incident,
    InvalidArgument,
    Maintenance,
    NotifyManager,
    ProactiveCase,
    SchemaError,
    Signal,
    SLAPolicy,
    SLAPolicySet,
    Ticket,
    Topic,
    WhenPriorityAtOpen,
    WhenSLAReaches,
)
from supportflow.testing import (
    customers,
    escalation_policies,
    escalation_policy_versions,
    feedback_programs,
    incidents,
    maintenances,
    proactive_cases,
    sla_policy_sets,
    sla_policy_versions,
    ticket_lifecycles,
)

#: Mutations per drawn document (the deep run raises it with SUPPORTFLOW_FUZZ_MUTATIONS).
MUTATIONS = int(os.environ.get("SUPPORTFLOW_FUZZ_MUTATIONS", "4"))
#: Shrinking a counterexample of these tests takes a minute: done in the deep run, or
#: with SUPPORTFLOW_FUZZ_SHRINK=1; the quick profiles report the first one found.
_SHRINK = os.environ.get("SUPPORTFLOW_FUZZ_SHRINK") == "1" or (
    os.environ.get("HYPOTHESIS_PROFILE") == "deep"
)
fuzz = settings(
    phases=[Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if _SHRINK else [])]
)


def _loader(cls: type, config: dict[str, Any]) -> Callable[[dict[str, Any]], Any]:
    return lambda document: cls.from_dict(document, **config)  # type: ignore[attr-defined]


def check_mutations(obj: Any, config: dict[str, Any], seed: int) -> None:
    """The unmutated document reproduces; each mutation is refused or reproduces."""
    cls = type(obj)
    load = _loader(cls, config)
    document = obj.to_dict()
    assert reproduce(obj, **config).to_dict() == document
    assert verdict(document, load, config).outcome == "reproduced"
    rng = random.Random(seed)
    for _ in range(MUTATIONS):
        mutation = mutate(document, rng)
        removed = mutation.field if mutation.value == "removed" else None
        variants = [mutation.document]
        if mutation.index is not None:
            synced = resync(mutation.document, cls, config)
            if synced is not None:
                variants.append(synced)
        for variant in variants:
            found = verdict(variant, load, config, removed)
            assert found.outcome != "impossible", f"{mutation}: {found.reason}"


_seeds = st.integers(0, 2**32 - 1)
_H = _dt.timedelta(hours=1)

# --- one test per aggregate type ---------------------------------------------------------


@fuzz
@given(ticket_lifecycles(), _seeds)
def test_ticket_documents_load_only_what_commands_record(ticket: Ticket, seed: int) -> None:
    check_mutations(ticket, {}, seed)


# With a policy set, and with versions (applied and repaired: the load replays each
# change under the version it names, and the oracle re-issues apply_sla_version and
# repair_sla); with an escalation policy or its versions (apply_escalation_version).
@pytest.mark.parametrize("policies", [sla_policy_sets, sla_policy_versions])
@settings(fuzz, max_examples=examples(40))
@given(st.data(), _seeds)
def test_ticket_documents_with_sla_and_escalation_load_only_what_commands_record(
    policies: Callable[..., st.SearchStrategy[Any]], data: st.DataObject, seed: int
) -> None:
    config = {
        "sla": data.draw(policies(max_policies=2)),
        "escalation": data.draw(st.none() | escalation_policies() | escalation_policy_versions()),
    }
    ticket = data.draw(
        ticket_lifecycles(sla=st.just(config["sla"]), escalation=st.just(config["escalation"]))
    )
    check_mutations(ticket, config, seed)


@fuzz
@given(incidents(), _seeds)
def test_incident_documents_load_only_what_commands_record(incident: Incident, seed: int) -> None:
    check_mutations(incident, {}, seed)


@fuzz
@given(maintenances(), _seeds)
def test_maintenance_documents_load_only_what_commands_record(
    maintenance: Maintenance, seed: int
) -> None:
    check_mutations(maintenance, {}, seed)


@fuzz
@given(proactive_cases(), _seeds)
def test_proactive_case_documents_load_only_what_commands_record(
    case: ProactiveCase, seed: int
) -> None:
    check_mutations(case, {}, seed)


@fuzz
@given(feedback_programs(), _seeds)
def test_feedback_program_documents_load_only_what_commands_record(
    program: FeedbackProgram, seed: int
) -> None:
    check_mutations(program, {}, seed)


@fuzz
@given(customers(), _seeds)
def test_customer_documents_load_only_what_commands_record(customer: Customer, seed: int) -> None:
    check_mutations(customer, {}, seed)


# --- counterexamples the fuzzer found, kept as examples -----------------------------------


def test_a_history_missing_a_rule_escalation_that_fell_due_is_refused() -> None:
    policy = EscalationPolicy(
        [EscalationRule("urgent", WhenPriorityAtOpen("urgent"), EscalateTo(tier=2))]
    )
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Outage",
        topic="troubleshooting",
        channel="phone",
        priority="urgent",
        escalation=policy,
        at=at,
    )
    ticket.link("T-2", at=at + _dt.timedelta(hours=1))
    assert [event.name for event in ticket.history] == [
        "ticket_opened",
        "ticket_escalated",
        "ticket_linked",
    ]
    history = [event for event in ticket.history if event.name != "ticket_escalated"]
    with pytest.raises(InvalidArgument, match="fell due"):
        Ticket.replay(history, escalation=policy)
    document = ticket.to_dict()
    del document["history"][1]
    assert resync(document, Ticket, {"escalation": policy}) is None  # no replay takes it
    document["version"] -= 1
    document["tier"] = None
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(document, escalation=policy)
    assert caught.value.path == "history[1].at"  # the link, which would have come second


def test_an_escalation_recorded_before_an_sla_breach_due_by_its_instant_is_refused() -> None:
    # Raising the priority shrinks the target below the time already run: both
    # warnings and the breach are due at once, and the catch-up records all three
    # before the rule that reacts to the 75 % warning (the fuzzer swapped the last two).
    sla = SLAPolicySet(
        [SLAPolicy("p", {"first_reply": {"normal": 8 * _H, "urgent": _H}}, warnings=(0.5, 0.75))]
    )
    policy = EscalationPolicy(
        [EscalationRule("warn", WhenSLAReaches("first_reply", 75), NotifyManager("lead"))]
    )
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Printer jams",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It jams.",
        sla=sla,
        escalation=policy,
        at=at,
    )
    ticket.change_priority("urgent", at=at + 2 * _H)
    recorded = ticket.evaluate(at=at + 2 * _H)
    assert [event.name for event in recorded] == [
        "sla_threshold_reached",
        "sla_threshold_reached",
        "sla_breached",
        "ticket_manager_notified",
    ]
    assert Ticket.from_dict(ticket.to_dict(), sla=sla, escalation=policy) == ticket
    swapped = ticket.to_dict()
    history = swapped["history"]
    history[-1], history[-2] = history[-2], history[-1]
    with pytest.raises(SchemaError, match="sla_breached for first_reply fell due") as caught:
        Ticket.from_dict(swapped, sla=sla, escalation=policy)
    assert caught.value.path == f"history[{len(history) - 2}]"


def test_a_history_stopping_inside_a_batch_of_no_answers_is_refused() -> None:
    # Two customers notified together share an answer deadline, and evaluate marks
    # both silent at once (the fuzzer deleted the second no-answer, the last event).
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    case = ProactiveCase.detect(
        "PC-1",
        signal=Signal.USAGE_DROP,
        summary="Usage fell by half",
        customers=["C-1", "C-2"],
        at=at,
    )
    case.plan(message="Can we help?", channel=Channel.EMAIL, at=at)
    case.notify(at=at)
    assert len(case.evaluate(at=at + _dt.timedelta(days=4))) == 2
    assert ProactiveCase.from_dict(case.to_dict()) == case
    cut = case.to_dict()
    del cut["history"][-1]
    cut["version"] -= 1
    with pytest.raises(SchemaError, match="evaluate marks every deadline passed") as end:
        ProactiveCase.from_dict(cut)
    assert end.value.path == f"history[{cut['version'] - 1}]"
    with pytest.raises(InvalidArgument, match="customer C-2"):
        ProactiveCase.replay(case.history[:-1])


def test_a_history_stopping_inside_a_batch_of_surveys_is_refused() -> None:
    # Two CSAT surveys due at the same instant go out in one evaluate.
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    program = FeedbackProgram.create("FB-1", at=at)
    program.schedule_csat("T-1", customer_id="C-1", at=at)
    program.schedule_csat("T-2", customer_id="C-2", at=at)
    assert len(program.evaluate(at=at + _dt.timedelta(hours=2))) == 2
    assert FeedbackProgram.from_dict(program.to_dict()) == program
    cut = program.to_dict()
    del cut["history"][-1]
    cut["version"] -= 1
    with pytest.raises(SchemaError, match="evaluate sends every survey due by then") as end:
        FeedbackProgram.from_dict(cut)
    assert end.value.path == f"history[{cut['version'] - 1}]"
    with pytest.raises(InvalidArgument, match="is not recorded after it"):
        FeedbackProgram.replay(program.history[:-1])


def test_a_history_stopping_inside_a_batch_of_maintenance_notices_is_refused() -> None:
    # Scheduled exactly 7 hours before the start with a 7-hour and a 1-day lead: the
    # 7-hour notice and the late 1-day one are both due at scheduling, and evaluate
    # sends both at once (the fuzzer deleted the second one).
    at = _dt.datetime(2026, 3, 2, 9, tzinfo=_dt.UTC)
    window = Maintenance.schedule(
        "MNT-1",
        title="Database upgrade",
        starts_at=at + _dt.timedelta(hours=7),
        ends_at=at + _dt.timedelta(hours=9),
        customers=["C-1"],
        lead_times=[_dt.timedelta(hours=7), _dt.timedelta(days=1)],
        at=at,
    )
    assert len(window.evaluate(at=at)) == 2
    assert Maintenance.from_dict(window.to_dict()) == window
    cut = window.to_dict()
    del cut["history"][2]
    cut["version"] = 2
    with pytest.raises(SchemaError, match="evaluate sends every notice due by then") as end:
        Maintenance.from_dict(cut)
    assert end.value.path == "history[1]"
    with pytest.raises(InvalidArgument):
        Maintenance.replay(window.history[:2])
    # ... and a history that goes on after the cut is refused at the next event.
    window.start(at=at + _dt.timedelta(hours=7))
    gap = window.to_dict()
    del gap["history"][2]
    gap["version"] = 3
    with pytest.raises(SchemaError, match="not recorded after it") as later:
        Maintenance.from_dict(gap)
    assert later.value.path == "history[2]"
