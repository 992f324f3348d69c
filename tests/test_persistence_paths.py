"""Bad persisted data never half-loads (DESIGN.md section 3, issue 8).

A bad field nested in a configuration document is reported at its own path, not at
the object that holds it.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import test_persistence_documents as docs
from supportflow import SchemaError


def document(name: str, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(json.loads(json.dumps(docs.documents(name)[index])))


def path_of(name: str, data: dict[str, Any]) -> str:
    with pytest.raises(SchemaError) as caught:
        docs.load(name, data)
    return caught.value.path


# --- configuration: the path of the bad field itself -----------------------------------


def test_calendar_unknown_timezone_names_timezone() -> None:
    data = document("calendar")
    data["timezone"] = "Mars/Olympus"
    assert path_of("calendar", data) == "timezone"


def test_nested_calendar_timezone_names_timezone() -> None:
    data = document("sla_policy_set")
    data["policies"][1]["calendar"]["timezone"] = "Mars/Olympus"
    assert path_of("sla_policy_set", data) == "policies[1].calendar.timezone"


def test_sla_policy_bad_warning_names_warnings() -> None:
    data = document("sla_policy")
    data["warnings"][0] = "half"
    assert path_of("sla_policy", data) == "warnings[0]"
    data["warnings"][0] = 1.5
    assert path_of("sla_policy", data) == "warnings[0]"


def test_sla_policy_bad_pause_status_names_the_pause() -> None:
    data = document("sla_policy_set")
    data["policies"][1]["pauses"]["resolution"] = ["sleeping"]
    assert path_of("sla_policy_set", data) == "policies[1].pauses.resolution"
    data["policies"][1]["pauses"]["resolution"] = ["solved"]  # not a pausable status
    assert path_of("sla_policy_set", data) == "policies[1].pauses.resolution"


@pytest.mark.parametrize(
    ("key", "value"), [("topics", "weather"), ("priorities", "asap"), ("segments", 3)]
)
def test_sla_conditions_name_the_bad_item(key: str, value: object) -> None:
    data = document("sla_policy_set")
    data["policies"][0]["conditions"][key] = ["enterprise", value] if key == "segments" else [value]
    index = 1 if key == "segments" else 0
    assert path_of("sla_policy_set", data) == f"policies[0].conditions.{key}[{index}]"


# --- histories that could not have happened under the configuration given ---------------
# S-1 (ticket_with_sla[0]): history[2] is the 50 % first_reply warning (11:00 UTC),
# history[3] the 75 % one (13:00), history[4] the rule escalation 1 -> 2 by
# "first-reply-75" (13:00), history[5] the first_reply breach (14:00).


def test_an_escalation_to_a_tier_outside_the_ladder_does_not_load() -> None:
    data = document("ticket_with_sla")
    data["history"][4]["to_tier"] = 9  # the policy's ladder is 0-4
    with pytest.raises(SchemaError, match="outside the escalation policy's ladder") as caught:
        docs.load("ticket_with_sla", data)
    assert caught.value.path == "history[4].to_tier"


def test_a_manual_de_escalation_outside_the_ladder_does_not_load() -> None:
    data = document("ticket_with_sla", 2)  # S-3: escalated and de-escalated by hand
    (index,) = [i for i, e in enumerate(data["history"]) if e["event"] == "ticket_de_escalated"]
    data["history"][index]["to_tier"] = 7
    assert path_of("ticket_with_sla", data) == f"history[{index}].to_tier"


def test_without_a_policy_a_negative_tier_does_not_load() -> None:
    from supportflow import Ticket

    data = document("ticket_with_sla")
    data["history"][4]["to_tier"] = -1
    with pytest.raises(SchemaError, match="to_tier must be an int from 0 to 50") as caught:
        Ticket.from_dict(data, sla=docs.OPTIONS["ticket_with_sla"]["sla"])
    assert caught.value.path == "history[4].to_tier"


def test_without_a_policy_a_rule_event_does_not_load_but_a_manual_tier_does() -> None:
    # Without escalation= no rule could have recorded an event, so one naming a rule is
    # refused; a person's escalation has no ladder to be checked against: a tier >= 0
    # loads (documented in docs/persistence.md).
    import pendulum

    from supportflow import Ticket, Tier, TierLadder

    t0 = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    ladder = TierLadder([Tier(level, f"tier {level}", (f"team{level}",)) for level in range(10)])
    ticket = Ticket.open(
        "M-1", customer_id="C", subject="s", topic="billing", channel="email", tier=1, at=t0
    )
    ticket.escalate(to_tier=9, reason="expert", actor="ann", ladder=ladder, at=t0.add(hours=1))
    data = json.loads(json.dumps(ticket.to_dict()))
    assert Ticket.from_dict(data).tier == 9
    data["history"][1]["rule"] = "no-such-rule"
    with pytest.raises(SchemaError, match="has no escalation policy") as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "history[1].rule"


def test_an_escalation_by_an_unknown_rule_does_not_load() -> None:
    data = document("ticket_with_sla")
    data["history"][4]["rule"] = "no-such-rule"
    with pytest.raises(SchemaError, match="does not have") as caught:
        docs.load("ticket_with_sla", data)
    assert caught.value.path == "history[4]"


@pytest.mark.parametrize(
    ("key", "value"),
    [("at", "2026-03-02T13:30:00.000000Z"), ("to_tier", 3), ("reason", "edited")],
)
def test_a_rule_escalation_must_be_what_the_rule_records(key: str, value: object) -> None:
    data = document("ticket_with_sla")
    data["history"][4][key] = value
    with pytest.raises(SchemaError, match="not what the rule records") as caught:
        docs.load("ticket_with_sla", data)
    assert caught.value.path == "history[4]"


@pytest.mark.parametrize(
    ("index", "key", "value", "problem"),
    [
        (2, "at", "2026-03-02T11:30:00.000000Z", "reached it at 2026-03-02T11:00"),
        (2, "at", "2026-03-02T10:30:00.000000Z", "reached it at 2026-03-02T11:00"),
        (5, "at", "2026-03-02T14:30:00.000000Z", "reached it at 2026-03-02T14:00"),
        (5, "cycle", 7, "no such clock"),
        (3, "threshold", 0.6, "not a warning still to announce"),
        (5, "policy", "vip", "no such clock"),
    ],
)
def test_an_sla_event_the_clocks_do_not_give_does_not_load(
    index: int, key: str, value: object, problem: str
) -> None:
    data = document("ticket_with_sla")
    data["history"][index][key] = value
    with pytest.raises(SchemaError, match=problem) as caught:
        docs.load("ticket_with_sla", data)
    assert caught.value.path == f"history[{index}]"


def test_replay_refuses_the_same_histories() -> None:
    from supportflow import InvalidArgument, Ticket
    from supportflow._tickets._codec import TICKET_CODEC

    data = document("ticket_with_sla")
    data["history"][2]["at"] = "2026-03-02T11:30:00.000000Z"
    events = [
        TICKET_CODEC.decode_tagged_item(value, "history", index)
        for index, value in enumerate(data["history"])
    ]
    with pytest.raises(InvalidArgument, match="reached it at"):
        Ticket.replay(events, **docs.OPTIONS["ticket_with_sla"])


def test_a_document_with_sla_clocks_loaded_without_sla_is_refused() -> None:
    # Loaded without its clocks, the next save would drop them and take the ticket out
    # of the host's deadline sweep.
    from supportflow import Ticket

    data = document("ticket_with_sla", 2)  # S-3: open, SLA clocks running
    assert "sla" in data
    with pytest.raises(SchemaError, match=r"Ticket.from_dict\(data, sla=policy_set\)") as caught:
        Ticket.from_dict(data)
    assert caught.value.path == "sla"
    assert Ticket.from_dict(data, **docs.OPTIONS["ticket_with_sla"]).next_deadline() is not None


def test_a_boolean_where_the_sla_snapshot_stores_a_number_does_not_load() -> None:
    data = document("ticket_with_sla")
    clock = data["sla"]["clocks"][0]
    clock["cycle"] = True  # equal to 1 for ==, but not what to_dict writes
    assert path_of("ticket_with_sla", data) == "sla.clocks[0].cycle"
    data = document("ticket_with_sla")
    data["sla"]["clocks"][0]["breached"] = int(data["sla"]["clocks"][0]["breached"])
    assert path_of("ticket_with_sla", data) == "sla.clocks[0].breached"


def test_a_deleted_sla_warning_does_not_load_when_a_later_command_would_have_recorded_it() -> None:
    from persistence_config import T0, sla_policies
    from supportflow import Ticket

    sla = sla_policies()
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Printer",
        topic="troubleshooting",
        channel="email",
        at=T0,
        sla=sla,
    )
    ticket.assign("ana", at=T0.add(minutes=1))
    ticket.add_note("ana", "looking", at=T0.add(days=2))  # records the warnings due first
    data = json.loads(json.dumps(ticket.to_dict()))
    last_warning = len(data["history"]) - 2  # resolution at 50 %, just before the note
    assert data["history"][last_warning]["event"] == "sla_threshold_reached"
    del data["history"][last_warning]
    data["version"] -= 1
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=sla)
    # reported at the command that would have recorded it first, not at the snapshot
    assert caught.value.path == f"history[{last_warning}].at"
    assert "fell due" in str(caught.value)
    # a clock's first warning deleted: its next warning cannot come first
    data = json.loads(json.dumps(ticket.to_dict()))
    del data["history"][2]
    data["version"] -= 1
    with pytest.raises(SchemaError) as caught:
        Ticket.from_dict(data, sla=sla)
    assert caught.value.path.startswith("history[2]")
    assert "comes first" in str(caught.value)
    # the same history, cut before the note (the host never evaluated), loads
    cut = ticket.history[:2]
    assert Ticket.replay(cut, sla=sla).version == 2
