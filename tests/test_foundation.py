"""The ground every module stands on: public names, errors, the time boundary."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
import pickle
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import supportflow
from supportflow import (
    InvalidArgument,
    InvalidTransition,
    InvalidType,
    MissingPlaceholders,
    NaiveDatetimeError,
    SchemaError,
    SchemaVersionError,
    SupportflowError,
    TicketClosed,
    UnknownName,
    VersionConflict,
)
from supportflow._kernel._lifecycle import Lifecycle
from supportflow._kernel._time import (
    at_us,
    duration_us,
    format_instant,
    instant_us,
    parse_instant,
    to_datetime,
    to_duration,
)


def test_every_public_name_imports() -> None:
    for name in supportflow.__all__:
        assert hasattr(supportflow, name), name
    assert len(set(supportflow.__all__)) == len(supportflow.__all__), "a name is listed twice"
    assert not [n for n in dir(supportflow) if n[0].isupper() and n not in supportflow.__all__]


PUBLIC_MODULES = ("events", "metrics", "sla", "escalation", "proactive", "customers", "desk")


def test_the_top_level_is_small_and_the_rest_lives_in_public_submodules() -> None:
    names = [n for n in supportflow.__all__ if not n.startswith("__")]
    assert 55 <= len(names) <= 66, len(names)
    seen = set(names)
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(f"supportflow.{module_name}")
        assert module.__doc__
        for name in module.__all__:
            assert name not in seen, f"{name} is exported twice"
            seen.add(name)
    # reachable as attributes too, without importing the submodule first
    assert (
        supportflow.metrics.kpi_report is importlib.import_module("supportflow.metrics").kpi_report
    )


def test_public_objects_report_the_module_a_user_imports_them_from() -> None:
    assert supportflow.InvalidArgument.__module__ == "supportflow"
    assert supportflow.Ticket.__module__ == "supportflow"
    events = importlib.import_module("supportflow.events")
    assert events.TicketAssigned.__module__ == "supportflow.events"
    for module_name in ("", *(f".{m}" for m in PUBLIC_MODULES)):
        module = importlib.import_module(f"supportflow{module_name}")
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) or (callable(value) and hasattr(value, "__module__")):
                assert not value.__module__.startswith("supportflow._"), (module_name, name)


def test_an_error_traceback_names_the_public_class() -> None:
    import traceback

    try:
        supportflow.Ticket.open("", customer_id="c", subject="s", topic="billing", channel="email")
    except supportflow.InvalidArgument as error:
        text = "".join(traceback.format_exception_only(error))
    assert text.startswith("supportflow.InvalidArgument")


def test_version_comes_from_package_metadata() -> None:
    from importlib.metadata import version

    assert supportflow.__version__ == version("supportflow")


@pytest.mark.parametrize(
    ("error", "builtin"),
    [
        (InvalidTransition, ValueError),
        (TicketClosed, ValueError),
        (NaiveDatetimeError, ValueError),
        (InvalidArgument, ValueError),
        (MissingPlaceholders, ValueError),
        (InvalidType, TypeError),
        (UnknownName, LookupError),
        (SchemaError, ValueError),
        (SchemaVersionError, ValueError),
        (VersionConflict, RuntimeError),
    ],
)
def test_errors_carry_their_builtin_base(error: type[Exception], builtin: type) -> None:
    assert issubclass(error, SupportflowError)
    assert issubclass(error, builtin)


def test_invalid_transition_names_object_state_event_and_allowed() -> None:
    error = InvalidTransition("ticket", "T-42", "pending", "solve", ["resume", "customer_message"])
    assert str(error) == (
        "cannot solve ticket T-42 in status 'pending': allowed now: customer_message, resume"
    )
    assert error.allowed == ("customer_message", "resume")


def test_closed_ticket_error_points_at_follow_ups() -> None:
    error = TicketClosed("ticket", "T-1", "closed", "reply")
    assert "follow-up" in str(error)
    assert isinstance(error, InvalidTransition)


def test_errors_survive_pickling() -> None:
    for error in (
        InvalidTransition("ticket", "T-1", "new", "solve", ["assign"]),
        NaiveDatetimeError("at", None),
        SchemaError("history[3].at", "missing field"),
        MissingPlaceholders("welcome", ["customer.name"]),
        VersionConflict("T-1", 3, 4),
    ):
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert str(again) == str(error)


def test_schema_error_names_the_path() -> None:
    error = SchemaError("history[3].at", "missing field")
    assert error.path == "history[3].at"
    assert str(error) == "history[3].at: missing field"


def test_missing_placeholders_lists_every_name_once() -> None:
    error = MissingPlaceholders("welcome", ["b", "a", "b"])
    assert error.missing == ("a", "b")
    assert "a, b" in str(error)


def test_version_conflict_says_what_to_do() -> None:
    error = VersionConflict("T-7", 3, 5)
    assert "reload" in str(error)
    assert (error.expected, error.actual) == (3, 5)


# --- time boundary -----------------------------------------------------------------


def test_naive_datetime_is_refused_naming_the_parameter() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        instant_us(dt.datetime(2026, 1, 1), "due")
    assert info.value.parameter == "due"
    assert "due" in str(info.value)


class _NoOffset(dt.tzinfo):
    """A tzinfo that gives no offset: its datetimes are naive."""

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta | None:
        return None


def test_a_datetime_whose_zone_gives_no_offset_is_naive() -> None:
    with pytest.raises(NaiveDatetimeError) as info:
        instant_us(dt.datetime(2026, 1, 1, tzinfo=_NoOffset()), "start")
    assert info.value.parameter == "start"


def test_non_datetime_is_a_type_error_naming_the_parameter() -> None:
    with pytest.raises(InvalidType, match="at must be an aware datetime"):
        instant_us("2026-01-01", "at")
    with pytest.raises(TypeError):
        instant_us(dt.date(2026, 1, 1), "at")


def test_stdlib_and_pendulum_instants_agree() -> None:
    std = dt.datetime(2026, 3, 8, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    pen = pendulum.datetime(2026, 3, 8, 12, 0, tz="America/New_York")
    assert instant_us(std) == instant_us(pen) == 1_772_985_600_000_000  # 16:00 UTC, EDT


def test_round_trip_gives_pendulum_in_utc() -> None:
    value = dt.datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    out = to_datetime(instant_us(value))
    assert isinstance(out, pendulum.DateTime)
    assert out.utcoffset() == dt.timedelta(0)
    assert out == value


def test_omitted_at_reads_the_clock() -> None:
    before = instant_us(pendulum.now("UTC"))
    now = at_us(None)
    after = instant_us(pendulum.now("UTC"))
    assert before <= now <= after


@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [
                dt.UTC,
                ZoneInfo("Europe/London"),
                ZoneInfo("Asia/Kolkata"),
                ZoneInfo("America/New_York"),
                ZoneInfo("Pacific/Chatham"),
                dt.timezone(-dt.timedelta(hours=3, minutes=30)),
            ]
        ),
    )
)
def test_instant_round_trips_exactly(value: dt.datetime) -> None:
    us = instant_us(value)
    utc = value.utctimetuple()
    assert us == calendar.timegm(utc) * 1_000_000 + value.microsecond
    assert instant_us(to_datetime(us)) == us
    assert parse_instant(format_instant(us), "at") == us


@given(st.timedeltas(min_value=dt.timedelta(days=-4000), max_value=dt.timedelta(days=4000)))
def test_duration_round_trips_exactly(value: dt.timedelta) -> None:
    us = duration_us(value, "d", allow_negative=True)
    assert to_duration(us) == value
    assert isinstance(to_duration(us), pendulum.Duration)


def test_durations_accept_pendulum_and_refuse_bad_values() -> None:
    assert duration_us(pendulum.duration(hours=2), "target") == 7_200_000_000
    with pytest.raises(InvalidArgument, match="target must not be negative"):
        duration_us(dt.timedelta(seconds=-1), "target")
    with pytest.raises(InvalidArgument, match="must be positive"):
        duration_us(dt.timedelta(0), "target", allow_zero=False)
    with pytest.raises(InvalidArgument, match="months or years"):
        duration_us(pendulum.duration(months=1), "target")
    with pytest.raises(InvalidType):
        duration_us(3600, "target")


def test_naive_iso_text_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        parse_instant("2026-01-01T00:00:00", "at")
    with pytest.raises(InvalidArgument):
        parse_instant("yesterday", "at")


# --- lifecycle table ---------------------------------------------------------------

DOOR = Lifecycle.define(
    "door",
    ["open", "closed", "locked", "gone"],
    [
        {"trigger": "close", "source": "open", "dest": "closed"},
        {"trigger": "open", "source": "closed", "dest": "open"},
        {"trigger": "lock", "source": "closed", "dest": "locked"},
        {"trigger": "knock", "source": ["open", "closed", "locked"], "dest": None},
        {"trigger": "demolish", "source": ["closed", "locked"], "dest": "gone"},
    ],
    initial="open",
)


def test_lifecycle_table_follows_the_machine() -> None:
    assert DOOR.target("D1", "open", "close") == "closed"
    assert DOOR.target("D1", "locked", "knock") == "locked"
    assert DOOR.allowed("closed") == ("demolish", "knock", "lock", "open")
    assert DOOR.final_states == frozenset({"gone"})
    assert DOOR.can("open", "close")
    assert not DOOR.can("open", "lock")


def test_lifecycle_refuses_with_the_allowed_events() -> None:
    with pytest.raises(InvalidTransition) as info:
        DOOR.target("D1", "open", "lock")
    assert info.value.allowed == ("close", "knock")
    assert "cannot lock door D1 in status 'open'" in str(info.value)
    with pytest.raises(InvalidTransition, match="nothing"):
        DOOR.target("D1", "gone", "open")


def test_lifecycle_mermaid_lists_every_edge() -> None:
    text = DOOR.mermaid()
    assert text.startswith("stateDiagram-v2\n    [*] --> open\n")
    assert "    closed --> locked: lock\n" in text
    assert "    gone --> [*]\n" in text
    assert text.count("-->") == 1 + len({(s, d) for s, _, d in DOOR.edges()}) + 1


def test_every_aggregate_reports_its_status_as_an_enum() -> None:
    import enum

    import pendulum

    at = pendulum.datetime(2026, 3, 2, 9, tz="UTC")
    maintenance = supportflow.Maintenance.schedule(
        "M-1",
        title="Database upgrade",
        starts_at=at.add(days=2),
        ends_at=at.add(days=2, hours=2),
        customers=["C-1"],
        at=at,
    )
    assert maintenance.status is supportflow.MaintenanceStatus.SCHEDULED
    program = supportflow.FeedbackProgram.create("F-1", at=at)
    assert program.status is supportflow.FeedbackProgramStatus.ACTIVE
    for status_type in (
        supportflow.TicketStatus,
        supportflow.IncidentStatus,
        supportflow.MaintenanceStatus,
        supportflow.ProactiveCaseStatus,
        supportflow.FeedbackProgramStatus,
    ):
        assert issubclass(status_type, enum.StrEnum)
