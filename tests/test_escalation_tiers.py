"""Tier ladder, routing at open and the priority matrix."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from tests.strategies import escalation_ladders

from supportflow import (
    Channel,
    Impact,
    InvalidArgument,
    InvalidType,
    Priority,
    PriorityMatrix,
    Route,
    RoutingTable,
    SchemaError,
    Tier,
    TierLadder,
    Topic,
    UnknownName,
    Urgency,
)

# --- the ladder ----------------------------------------------------------------------


def test_the_default_ladder_has_the_five_classic_tiers() -> None:
    ladder = TierLadder.default()
    assert [tier.level for tier in ladder.tiers] == [0, 1, 2, 3, 4]
    assert [tier.name for tier in ladder.tiers] == [
        "self-service",
        "front line",
        "technical support",
        "engineering",
        "external vendor",
    ]
    assert (ladder.bottom, ladder.top) == (0, 4)
    assert ladder.tier(2).default_team == "technical_support"
    assert ladder.tier_of("engineering").level == 3


def test_the_default_ladder_takes_other_names_and_teams() -> None:
    ladder = TierLadder.default(
        names={1: "service desk"}, teams={2: ["network", "databases"], 4: ["acme"]}
    )
    assert ladder.tier(1).name == "service desk"
    assert ladder.tier(2).teams == ("network", "databases")
    assert ladder.tier_of("databases").level == 2
    assert ladder.resolve(2) == (2, "network")
    assert ladder.resolve(team="acme") == (4, "acme")
    with pytest.raises(InvalidArgument, match="tiers 0-4"):
        TierLadder.default(names={5: "board"})


def test_a_tier_outside_the_ladder_names_the_valid_range() -> None:
    with pytest.raises(InvalidArgument, match="tier 7 is outside the ladder: valid tiers are 0-4"):
        TierLadder.default().tier(7)
    with pytest.raises(InvalidArgument, match="valid tiers are 0-4"):
        TierLadder.default().tier(-1)


def test_an_unknown_team_lists_the_known_ones() -> None:
    with pytest.raises(UnknownName, match="unknown team 'billing'; teams: self_service"):
        TierLadder.default().tier_of("billing")
    with pytest.raises(LookupError):
        TierLadder.default().resolve(team="billing")


def test_a_team_and_a_tier_must_agree() -> None:
    with pytest.raises(InvalidArgument, match="team 'engineering' is in tier 3"):
        TierLadder.default().resolve(2, "engineering")


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([], "at least one tier"),
        ([Tier(0, "a", ["x"]), Tier(2, "b", ["y"])], "consecutive"),
        ([Tier(1, "a", ["x"]), Tier(0, "b", ["y"])], "consecutive"),
        ([Tier(0, "a", ["x"]), Tier(1, "a", ["y"])], "share a name"),
        ([Tier(0, "a", ["x"]), Tier(1, "b", ["x"])], "belongs to one tier"),
    ],
)
def test_a_broken_ladder_is_refused(tiers: list[Tier], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        TierLadder(tiers)


def test_a_tier_needs_a_name_and_teams() -> None:
    with pytest.raises(InvalidArgument, match="at least one team"):
        Tier(0, "a", [])
    with pytest.raises(InvalidArgument, match="must not be empty"):
        Tier(0, " ", ["x"])
    with pytest.raises(InvalidType):
        Tier(True, "a", ["x"])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="run from 0 to 50"):
        Tier(-1, "a", ["x"])


def test_a_ladder_may_start_above_zero() -> None:
    ladder = TierLadder([Tier(1, "desk", ["desk"]), Tier(2, "experts", ["experts"])])
    assert (ladder.bottom, ladder.top) == (1, 2)
    with pytest.raises(InvalidArgument, match="valid tiers are 1-2"):
        ladder.tier(0)


def test_the_mermaid_diagram_draws_every_rung() -> None:
    text = TierLadder.default().mermaid()
    assert text.startswith("flowchart BT\n")
    assert 'T4["tier 4: external vendor<br/>vendor"]' in text
    assert "T1 -->|escalate| T2" in text
    assert "T2 -.->|de-escalate| T1" in text
    assert text.count("-->|escalate|") == 4


@given(escalation_ladders())
def test_a_ladder_survives_json(ladder: TierLadder) -> None:
    data = json.loads(json.dumps(ladder.to_dict()))
    assert data["type"] == "tier_ladder"
    assert data["schema"] == 1
    assert TierLadder.from_dict(data) == ladder


def test_a_bad_ladder_document_names_the_field() -> None:
    data = TierLadder.default().to_dict()
    data["tiers"][2]["teams"] = ["technical_support", 7]
    with pytest.raises(SchemaError) as caught:
        TierLadder.from_dict(data)
    assert caught.value.path == "tiers[2].teams[1]"
    data = TierLadder.default().to_dict()
    data["tiers"][3]["level"] = 9
    with pytest.raises(SchemaError) as caught:
        TierLadder.from_dict(data)
    assert caught.value.path == "tiers"


# --- routing -------------------------------------------------------------------------


def test_service_goes_to_tier_1_and_technical_support_to_tier_2() -> None:
    table = RoutingTable()
    assert table.route(Topic.BILLING, Channel.PHONE) == (1, "customer_service")
    assert table.route(Topic.SHIPPING, Channel.EMAIL, Priority.URGENT) == (1, "customer_service")
    assert table.route(Topic.TROUBLESHOOTING, Channel.EMAIL) == (2, "technical_support")
    assert table.route("installation", "live_chat", "low") == (2, "technical_support")


def test_the_first_matching_route_wins_over_the_default() -> None:
    table = RoutingTable(
        routes=[
            Route(topic=Topic.BILLING, priority=Priority.URGENT, team="engineering"),
            Route(topic=Topic.BILLING, tier=2),
            Route(channel=Channel.SELF_SERVICE, tier=0),
        ]
    )
    assert table.route(Topic.BILLING, Channel.PHONE, Priority.URGENT) == (3, "engineering")
    assert table.route(Topic.BILLING, Channel.SELF_SERVICE) == (2, "technical_support")
    assert table.route(Topic.ACCOUNT, Channel.SELF_SERVICE) == (0, "self_service")
    assert table.route(Topic.ACCOUNT, Channel.PHONE) == (1, "customer_service")


def test_routes_are_checked_against_the_ladder() -> None:
    with pytest.raises(InvalidArgument, match="route 1: tier 9 is outside the ladder"):
        RoutingTable(routes=[Route(tier=1), Route(tier=9)])
    with pytest.raises(UnknownName, match="route 0: unknown team 'legal'"):
        RoutingTable(routes=[Route(team="legal")])
    with pytest.raises(InvalidArgument, match="needs a tier, a team or both"):
        Route(topic=Topic.BILLING)
    with pytest.raises(InvalidArgument, match="topic must be one of"):
        Route(topic="weather", tier=1)
    with pytest.raises(InvalidArgument, match="outside the ladder"):
        RoutingTable(support_tier=5)


def test_a_routing_table_survives_json() -> None:
    table = RoutingTable(
        ladder=TierLadder.default(teams={2: ["network", "apps"]}),
        routes=[
            Route(topic=Topic.BILLING, channel=Channel.SMS, priority=Priority.HIGH, team="apps"),
            Route(tier=0, channel=Channel.COMMUNITY),
        ],
        service_tier=0,
    )
    data = json.loads(json.dumps(table.to_dict()))
    assert data["type"] == "routing_table"
    assert RoutingTable.from_dict(data) == table


def test_a_bad_routing_document_names_the_field() -> None:
    data = RoutingTable(routes=[Route(tier=1, topic=Topic.BILLING)]).to_dict()
    data["routes"][0]["topic"] = "weather"
    with pytest.raises(SchemaError) as caught:
        RoutingTable.from_dict(data)
    assert caught.value.path == "routes[0].topic"
    data = RoutingTable().to_dict()
    data["ladder"]["tiers"][0]["name"] = None
    with pytest.raises(SchemaError) as caught:
        RoutingTable.from_dict(data)
    assert caught.value.path == "ladder.tiers[0].name"


# --- priority matrix -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", Priority.URGENT),
        ("high", "medium", Priority.HIGH),
        ("medium", "high", Priority.HIGH),
        ("high", "low", Priority.NORMAL),
        ("medium", "medium", Priority.NORMAL),
        ("low", "high", Priority.NORMAL),
        ("medium", "low", Priority.LOW),
        ("low", "medium", Priority.LOW),
        ("low", "low", Priority.LOW),
    ],
)
def test_the_default_matrix_is_the_common_3x3(
    impact: str, urgency: str, priority: Priority
) -> None:
    assert PriorityMatrix().priority(impact, urgency) is priority
    assert PriorityMatrix().priority(Impact(impact), Urgency(urgency)) is priority


def test_a_major_incident_is_only_an_explicit_override() -> None:
    matrix = PriorityMatrix()
    plain = matrix.assess(Impact.HIGH, Urgency.HIGH)
    assert plain.priority is Priority.URGENT
    assert plain.major_incident is False
    major = matrix.assess(Impact.LOW, Urgency.LOW, major_incident=True)
    assert (major.priority, major.major_incident) == (Priority.URGENT, True)
    with pytest.raises(InvalidType, match="major_incident must be True or False"):
        matrix.assess(Impact.LOW, Urgency.LOW, major_incident=1)  # type: ignore[arg-type]


def test_a_custom_matrix_must_be_complete_and_monotonic() -> None:
    cells = {(i.value, u.value): "normal" for i in Impact for u in Urgency}
    cells[("high", "high")] = "urgent"
    matrix = PriorityMatrix(cells)
    assert matrix.priority("high", "high") is Priority.URGENT
    assert matrix.priority("low", "low") is Priority.NORMAL
    incomplete = dict(cells)
    del incomplete[("low", "medium")]
    del incomplete[("medium", "low")]
    with pytest.raises(InvalidArgument, match="missing: low/medium, medium/low"):
        PriorityMatrix(incomplete)
    backwards = dict(cells)
    backwards[("low", "low")] = "high"
    with pytest.raises(InvalidArgument, match="not monotonic"):
        PriorityMatrix(backwards)
    with pytest.raises(InvalidArgument, match="impact must be one of"):
        matrix.priority("huge", "low")


def test_the_matrix_rows_read_like_the_table_in_the_docs() -> None:
    rows = {impact.value: [p.value for p in row] for impact, row in PriorityMatrix().rows()}
    assert rows == {
        "high": ["normal", "high", "urgent"],
        "medium": ["low", "normal", "high"],
        "low": ["low", "low", "normal"],
    }


def test_a_matrix_survives_json_and_bad_cells_name_their_path() -> None:
    cells = {(i, u): Priority.HIGH for i in Impact for u in Urgency}
    matrix = PriorityMatrix(cells)
    data = json.loads(json.dumps(matrix.to_dict()))
    assert data["type"] == "priority_matrix"
    assert PriorityMatrix.from_dict(data) == matrix
    assert PriorityMatrix.from_dict(PriorityMatrix().to_dict()) == PriorityMatrix()
    data["cells"][4]["priority"] = "critical"
    with pytest.raises(SchemaError) as caught:
        PriorityMatrix.from_dict(data)
    assert caught.value.path == "cells[4].priority"
    data = PriorityMatrix().to_dict()
    del data["cells"][0]
    with pytest.raises(SchemaError, match="missing: high/high") as caught:
        PriorityMatrix.from_dict(data)
    assert caught.value.path == "cells"


def test_the_docs_show_the_current_ladder_diagram() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "escalation.md").read_text()
    blocks = re.findall(r"^```mermaid\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    assert blocks == [TierLadder.default().mermaid()]


def test_the_outputs_shown_on_the_docs_page_are_what_its_examples_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "escalation.md").read_text()
    blocks = re.findall(r"^```python[^\n]*\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    shown = re.findall(r"^```text\n(.*?)^```", page, re.MULTILINE | re.DOTALL)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    namespace: dict[str, object] = {"__name__": "docs_escalation"}
    with contextlib.redirect_stdout(printed):
        for index, block in enumerate(blocks):
            exec(compile(block, f"docs/escalation.md[block {index}]", "exec"), namespace)
    assert shown
    for text in shown:
        assert text in printed.getvalue()
