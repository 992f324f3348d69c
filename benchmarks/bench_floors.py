"""Memory per ticket with its history and clocks (DESIGN.md section 4: <= 2.5 KB).

A ticket of exactly 9 events (open, assign, reply, set pending, customer message, note,
reply, solve, confirm) under an SLA policy with exactly 5 clocks (first reply, next
reply, requester wait, agent work, resolution; office hours), evaluated at the end.
Bytes per ticket are tracemalloc's current size over ``n`` tickets kept alive, with the
shared policy and calendar allocated before the measurement; the script checks the
event and clock counts before it reports.

    python benchmarks/bench_floors.py            # 3,000 tickets
    python benchmarks/bench_floors.py --quick    # 300 tickets
"""

from __future__ import annotations

import datetime as dt
import gc
import sys
import tracemalloc

from supportflow import BusinessCalendar, Channel, SLAPolicy, SLAPolicySet, Ticket, Topic

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
AT = [T0 + dt.timedelta(minutes=m) for m in (0, 1, 5, 6, 120, 125, 150, 180, 200)]
METRICS = ("first_reply", "next_reply", "requester_wait", "agent_work", "resolution")
SLA = SLAPolicySet(
    [
        SLAPolicy(
            "standard",
            {metric: {"normal": dt.timedelta(hours=8)} for metric in METRICS},
            calendar=BusinessCalendar.weekdays("09:00", "17:00", timezone="Europe/Paris"),
        )
    ]
)
TARGET_BYTES = 2_560


def nine_events(i: int) -> Ticket:
    """The 9-event lifecycle under the 5-clock policy, evaluated at its end."""
    ticket = Ticket.open(
        f"T-{i}",
        customer_id="C-1",
        subject="Printer jams",
        topic=Topic.TROUBLESHOOTING,
        channel=Channel.EMAIL,
        body="It jams on page 2.",
        sla=SLA,
        at=AT[0],
    )
    ticket.assign("ana", at=AT[1])
    ticket.reply("ana", "Please clean the roller.", at=AT[2])
    ticket.set_pending(at=AT[3])
    ticket.customer_message("Done, still jams.", at=AT[4])
    ticket.add_note("ana", "Roller worn.", at=AT[5])
    ticket.reply("ana", "A new roller is on its way.", at=AT[6])
    ticket.solve("replaced the roller", at=AT[7])
    ticket.confirm(at=AT[8])
    ticket.evaluate(at=AT[8])
    return ticket


def bytes_per_ticket(n: int) -> float:
    nine_events(-1)  # warm every cache the shared policy and calendar keep
    gc.collect()
    tracemalloc.start()
    keep = [nine_events(i) for i in range(n)]
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del keep
    return current / n


def main() -> None:
    n = 300 if "--quick" in sys.argv else 3_000
    sample = nine_events(0)
    events = len(sample.history)
    clocks = len(sample.sla.clocks) if sample.sla is not None else 0
    assert events == 9, f"the lifecycle recorded {events} events, not 9"
    assert clocks == 5, f"the policy runs {clocks} clocks, not 5"
    per_ticket = bytes_per_ticket(n)
    print(f"memory per ticket, {events} events, {clocks} clocks, {n} tickets alive")
    print(
        f"  {per_ticket:,.0f} B per ticket; target <= {TARGET_BYTES:,} B "
        f"-> ratio {per_ticket / TARGET_BYTES:.2f} of the target"
    )


if __name__ == "__main__":
    main()
