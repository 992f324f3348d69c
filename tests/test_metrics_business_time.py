"""Reply and resolution times in business time, across a weekend and both DST changes."""

from __future__ import annotations

import pendulum

from supportflow._calendars._calendar import BusinessCalendar
from supportflow._kernel._time import US_PER_HOUR
from supportflow._metrics._kpis import first_reply_times, kpi_report, resolution_times
from supportflow._tickets._ticket import Ticket
from supportflow._vocabulary._taxonomy import Channel, Topic

PARIS = "Europe/Paris"
H = US_PER_HOUR


def handled(
    ticket_id: str,
    opened: pendulum.DateTime,
    replied: pendulum.DateTime,
    solved: pendulum.DateTime,
    **options: object,
) -> Ticket:
    t = Ticket.open(
        ticket_id,
        customer_id="C-1",
        subject="help",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        at=opened,
        **options,  # type: ignore[arg-type]
    )
    t.assign("ana", at=opened)
    t.reply("ana", "an answer", at=replied)
    t.solve("done", at=solved)
    return t


def test_business_time_skips_the_weekend() -> None:
    office = BusinessCalendar.weekdays("09:00", "17:00", timezone=PARIS)
    friday = pendulum.datetime(2026, 3, 6, 16, tz=PARIS)
    monday = pendulum.datetime(2026, 3, 9, 9, tz=PARIS)
    t = handled("T-1", friday, monday.add(hours=1), monday.add(hours=3))
    period = {"start": friday.subtract(days=1), "end": monday.add(days=1)}
    calendar_reply = first_reply_times([t], **period)
    business_reply = first_reply_times([t], calendar=office, **period)
    assert calendar_reply.mean_us == 66 * H  # Friday 16:00 to Monday 10:00
    assert business_reply.mean_us == 2 * H  # Friday 16-17 and Monday 09-10
    assert resolution_times([t], **period).mean_us == 68 * H
    assert resolution_times([t], calendar=office, **period).mean_us == 4 * H


def dst_calendar() -> BusinessCalendar:
    # Weekdays 09-17 plus a Sunday night shift 01:00-04:00 that spans the DST change.
    weekly: dict[int, list[tuple[str, str]]] = {day: [("09:00", "17:00")] for day in range(5)}
    weekly[6] = [("01:00", "04:00")]
    return BusinessCalendar(PARIS, weekly)


def test_business_time_across_the_spring_dst_change() -> None:
    # Sunday 29 March 2026, 02:00 -> 03:00 in Paris: the 01:00-04:00 shift lasts 2 hours.
    calendar = dst_calendar()
    saturday = pendulum.datetime(2026, 3, 28, 12, tz=PARIS)  # 11:00 UTC
    sunday_end = pendulum.datetime(2026, 3, 29, 4, tz=PARIS)  # 02:00 UTC
    monday = pendulum.datetime(2026, 3, 30, 10, tz=PARIS)  # 08:00 UTC
    t = handled("T-1", saturday, sunday_end, monday)
    period = {"start": saturday.subtract(days=1), "end": monday.add(days=1)}
    assert first_reply_times([t], **period).mean_us == 15 * H
    assert first_reply_times([t], calendar=calendar, **period).mean_us == 2 * H
    assert resolution_times([t], **period).mean_us == 45 * H  # not 46: an hour was skipped
    assert resolution_times([t], calendar=calendar, **period).mean_us == 3 * H


def test_business_time_across_the_autumn_dst_change_in_the_report() -> None:
    # Sunday 25 October 2026, 03:00 -> 02:00 in Paris: the 01:00-04:00 shift lasts 4 hours.
    calendar = dst_calendar()
    saturday = pendulum.datetime(2026, 10, 24, 12, tz=PARIS)  # 10:00 UTC
    sunday_end = pendulum.datetime(2026, 10, 25, 4, tz=PARIS)  # 03:00 UTC
    monday = pendulum.datetime(2026, 10, 26, 9, 30, tz=PARIS)  # 08:30 UTC
    spring = handled(
        "T-0",
        pendulum.datetime(2026, 3, 28, 12, tz=PARIS),
        pendulum.datetime(2026, 3, 29, 4, tz=PARIS),
        pendulum.datetime(2026, 3, 30, 10, tz=PARIS),
    )
    autumn = handled("T-1", saturday, sunday_end, monday)
    report = kpi_report(
        [spring, autumn],
        start=pendulum.datetime(2026, 1, 1, tz="UTC"),
        end=pendulum.datetime(2027, 1, 1, tz="UTC"),
        calendar=calendar,
    )
    row = report.overall
    assert row.first_reply.mean_us == 16 * H  # (15 + 17) / 2
    assert row.first_reply_business is not None
    assert row.first_reply_business.mean_us == 3 * H  # (2 + 4) / 2
    assert row.resolution_business is not None
    assert (row.resolution_business.median_us, row.resolution_business.p90_us) == (
        int(3.75 * H),  # (3 + 4.5) / 2
        int(4.5 * H),  # 4 hours on Sunday + 30 minutes on Monday
    )
    assert report.calendar == PARIS
    assert "Business time (calendar Europe/Paris)" in report.render_text()
