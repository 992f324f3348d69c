"""Typical user code, type-checked with mypy --strict so the public API stays pleasant."""

from __future__ import annotations

import supportflow
from supportflow import SupportflowError


def describe(error: SupportflowError) -> str:
    return f"{type(error).__name__}: {error}"


VERSION: str = supportflow.__version__


def work_a_ticket() -> supportflow.Ticket:
    import pendulum

    from supportflow import Channel, Priority, ResponseTemplate, Ticket, TicketStatus, Topic

    t0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
    ticket = Ticket.open(
        "T-1",
        customer_id="C-1",
        subject="Refund",
        topic=Topic.BILLING,
        channel=Channel.EMAIL,
        priority=Priority.HIGH,
        at=t0,
    )
    ticket.assign("ana", at=t0)
    template = ResponseTemplate("done", "Hi {customer.name}", set_status=TicketStatus.SOLVED)
    ticket.apply_template(template, agent="ana", values={"customer": {"name": "Ada"}}, at=t0)
    deadline: pendulum.DateTime | None = ticket.next_deadline()
    assert deadline is not None
    status: TicketStatus = ticket.status
    assert status is TicketStatus.SOLVED
    document: dict[str, object] = ticket.to_dict()
    return Ticket.from_dict(document)
