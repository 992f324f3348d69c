"""The seeded workload generator and staffing: deterministic, shaped as the profile says."""

from __future__ import annotations

import random
import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from supportflow import InvalidArgument
from supportflow._kernel._time import US_PER_DAY, US_PER_HOUR
from supportflow._proactive._incidents import INCIDENT_LIFECYCLE
from supportflow._tickets._ticket import TICKET_LIFECYCLE
from supportflow.simulation._html import lifecycles
from supportflow.simulation._staff import Shift, ShiftTimes, Staffing
from supportflow.simulation._svg import _layers, bar_chart, line_chart, state_diagram
from supportflow.simulation._workload import WorkloadProfile

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def profile(**overrides: object) -> WorkloadProfile:
    values: dict[str, object] = {"start": START, "days": 14, "tickets_per_day": 200}
    values.update(overrides)
    return WorkloadProfile(**values)  # type: ignore[arg-type]


def test_the_same_seed_gives_an_equal_workload() -> None:
    assert profile().generate(7) == profile().generate(7)


def test_another_seed_gives_another_workload() -> None:
    assert profile().generate(7).arrivals != profile().generate(8).arrivals


def test_the_generator_leaves_the_global_random_state_alone() -> None:
    random.seed(1)
    expected = random.random()
    random.seed(1)
    profile().generate(3)
    assert random.random() == expected


def test_arrivals_are_sorted_inside_the_period_and_numbered_in_order() -> None:
    workload = profile().generate(1)
    instants = [arrival.at_us for arrival in workload.arrivals]
    assert instants == sorted(instants)
    assert all(workload.start_us <= us < workload.end_us for us in instants)
    assert [a.ticket_id for a in workload.arrivals] == [
        f"T-{n:07d}" for n in range(1, len(workload) + 1)
    ]
    assert workload.days == 14


def test_volume_is_near_the_daily_rate() -> None:
    workload = profile(incidents=0).generate(2)
    assert 0.85 * 14 * 200 < len(workload) < 1.15 * 14 * 200


def test_weekdays_are_busier_than_weekends_and_office_hours_than_nights() -> None:
    zone = ZoneInfo("Europe/Berlin")
    workload = profile(timezone="Europe/Berlin", incidents=0, days=28).generate(3)
    local = [arrival.at.in_timezone(zone) for arrival in workload.arrivals]
    by_day = Counter(moment.weekday() for moment in local)
    by_hour = Counter(moment.hour for moment in local)
    assert by_day[0] > 2 * by_day[6]
    assert by_hour[10] > 5 * by_hour[3]


def test_mixes_follow_the_weights() -> None:
    workload = profile(
        channels={"email": 3, "phone": 1}, priorities={"urgent": 1}, incidents=0
    ).generate(4)
    channels = Counter(arrival.channel for arrival in workload.arrivals)
    assert set(channels) == {"email", "phone"}
    assert 2 < channels["email"] / channels["phone"] < 4
    assert {arrival.priority for arrival in workload.arrivals} == {"urgent"}


def test_customer_behaviour_shares_follow_the_profile() -> None:
    workload = profile(needs_info_share=0.0, hold_share=1.0, survey_share=0.0).generate(5)
    assert not any(arrival.needs_info for arrival in workload.arrivals)
    assert all(arrival.hold_us > 0 for arrival in workload.arrivals)
    assert all(arrival.csat_draw is None for arrival in workload.arrivals)
    assert all(arrival.handle_us > 0 for arrival in workload.arrivals)


def test_a_customer_keeps_one_segment() -> None:
    workload = profile().generate(6)
    segments: dict[str, set[str]] = {}
    for arrival in workload.arrivals:
        segments.setdefault(arrival.customer_id, set()).add(arrival.segment)
    assert all(len(found) == 1 for found in segments.values())


def test_incidents_bring_linked_contacts_from_affected_customers() -> None:
    workload = profile(incidents=2, incident_tickets=15).generate(7)
    assert len(workload.incidents) == 2
    for plan in workload.incidents:
        assert plan.declared_us < plan.identified_us < plan.monitoring_us < plan.resolved_us
        linked = [a for a in workload.arrivals if a.incident_id == plan.incident_id]
        assert len(linked) == 15
        assert all(a.customer_id in plan.customers for a in linked)
        assert all(plan.declared_us <= a.at_us <= plan.resolved_us for a in linked)


def test_maintenance_windows_are_announced_ahead() -> None:
    workload = profile(maintenances=3).generate(8)
    assert len(workload.maintenances) == 3
    for plan in workload.maintenances:
        assert plan.scheduled_us < plan.starts_us < plan.ends_us < plan.verified_us
        assert plan.customers


def test_nps_answers_are_on_the_0_to_10_scale() -> None:
    workload = profile(nps_share=0.5).generate(9)
    assert workload.nps_answers
    assert all(0 <= answer.score <= 10 for answer in workload.nps_answers)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days", -1),
        ("tickets_per_day", 0),
        ("timezone", "Mars/Olympus"),
        ("hourly", (1.0,) * 23),
        ("channels", {"email": -1}),
        ("needs_info_share", 1.5),
    ],
)
def test_bad_profiles_are_refused(field: str, value: object) -> None:
    with pytest.raises(InvalidArgument):
        profile(**{field: value})


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="start"):
        profile(start=datetime(2026, 3, 2))


def test_rotation_staffing_deals_agents_over_shifts() -> None:
    staffing = Staffing.rotation({1: 5, 2: 2}, timezone="Europe/Berlin", capacity=4)
    assert staffing.headcount() == {1: 5, 2: 2}
    assert staffing.tiers == (1, 2)
    assert {agent.capacity for agent in staffing.agents} == {4}
    assert len({agent.shift for agent in staffing.agents if agent.tier == 1}) == 3


def test_shift_times_follow_local_time_and_cross_midnight() -> None:
    night = Shift(weekdays=[0], start="22:00", end="06:00")
    start = int(START.timestamp()) * 1_000_000
    times = ShiftTimes(night, "Europe/Berlin", start, start + 7 * US_PER_DAY)
    # Monday 22:00 in Berlin (winter, UTC+1) is 21:00 UTC; the shift ends Tuesday 05:00 UTC.
    assert times.on_shift(start + 21 * US_PER_HOUR)
    assert times.on_shift(start + 28 * US_PER_HOUR)
    assert not times.on_shift(start + 29 * US_PER_HOUR)
    assert times.next_start(start) == start + 21 * US_PER_HOUR
    assert times.end_of(start + 22 * US_PER_HOUR) == start + 29 * US_PER_HOUR


def test_charts_and_diagrams_are_well_formed_svg() -> None:
    drawings = [
        bar_chart("SLA", ["W1", "W2"], {"low": [90.0, None], "high": [50.0, 75.0]}, y_max=100),
        line_chart("Backlog", {"open": [(0, 1), (1, 4)]}, x_ticks=[(0.5, "noon")]),
        state_diagram(INCIDENT_LIFECYCLE),
    ]
    for svg in drawings:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
    diagram = drawings[2]
    for state in INCIDENT_LIFECYCLE.states:
        assert f">{state}</text>" in diagram or f">{state} ↻</text>" in diagram


def _boxes(svg: str, fill: str) -> list[tuple[float, float, float, float]]:
    found = re.findall(
        rf'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"[^>]*fill="{fill}"',
        svg,
    )
    return [(float(x), float(y), float(x) + float(w), float(y) + float(h)) for x, y, w, h in found]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_ticket_lifecycle_is_ranked_with_the_waiting_states_in_one_column() -> None:
    assert _layers(TICKET_LIFECYCLE) == {
        "new": 0,
        "open": 1,
        "pending": 1,
        "on_hold": 1,
        "solved": 2,
        "closed": 3,
    }


def test_each_pair_of_states_is_one_line_with_its_triggers_named_each_way() -> None:
    svg = state_diagram(TICKET_LIFECYCLE)
    # open <-> solved: solve one way, a customer message (a reopen) the other.
    assert ">→ solve</text>" in svg
    assert ">← customer_message</text>" in svg
    pairs = {
        frozenset((source, dest)) for source, _, dest in TICKET_LIFECYCLE.edges() if source != dest
    }
    lines = re.findall(r'<path d="M [^"]*" fill="none" stroke="#555"', svg)
    assert len(lines) == len(pairs)


@pytest.mark.parametrize("lifecycle", lifecycles(), ids=lambda lifecycle: lifecycle.kind)
def test_no_label_covers_a_state_or_another_label(lifecycle: Any) -> None:
    svg = state_diagram(lifecycle)
    states = _boxes(svg, "#eef3fb")
    plates = _boxes(svg, "#fff")
    assert len(states) == len(lifecycle.states)
    for index, plate in enumerate(plates):
        assert not any(_overlap(plate, state) for state in states), plate
        assert not any(_overlap(plate, other) for other in plates[index + 1 :]), plate
