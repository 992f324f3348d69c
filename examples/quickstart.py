"""A five-minute tour of supportflow; `make demo` runs it.

Every command takes the instant it happens (`at=`), so the output is the same on every
run and every machine.
"""

from __future__ import annotations

import pendulum

import supportflow
from supportflow import Channel, InvalidTransition, ResponseTemplate, Ticket, TicketClosed


def show(ticket: Ticket, what: str) -> None:
    print(f"  {what:<44} -> {ticket.status.value:<8} (version {ticket.version})")


def ticket_tour() -> None:
    t0 = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")
    print("A reactive ticket, from first contact to close:")
    ticket = Ticket.open(
        "T-1001",
        customer_id="C-77",
        subject="Printer jams on page 2",
        topic="troubleshooting",
        channel=Channel.EMAIL,
        priority="high",
        body="It jams every time I print two pages.",
        at=t0,
    )
    show(ticket, f"opened ({ticket.domain.value} / {ticket.topic.value})")
    ticket.assign("ana", team="hardware", at=t0.add(minutes=4))
    show(ticket, "assigned to ana")
    ticket.reply("ana", "Could you send a photo of the roller?", at=t0.add(minutes=10))
    show(ticket, "ana replied")
    ticket.set_pending(at=t0.add(minutes=10))
    show(ticket, "waiting on the customer")
    ticket.customer_message("Here it is.", channel="in_app", at=t0.add(hours=3))
    show(ticket, "customer answered in the app")
    try:
        ticket.confirm(at=t0.add(hours=3))
    except InvalidTransition as error:
        print(f"  refused: {error}")
    done = ResponseTemplate(
        "roller-replaced",
        "Hi {customer.name}, a new roller is on its way for {ticket.id}. - {agent.name}",
        set_status="solved",
        add_tags=["warranty"],
    )
    ticket.apply_template(
        done,
        agent="ana",
        values={"customer": {"name": "Ada"}, "agent": {"name": "Ana"}},
        at=t0.add(hours=4),
    )
    show(ticket, "solved with the 'roller-replaced' template")
    print(f"  auto-closes at {ticket.auto_close_at} unless the customer confirms first")
    ticket.confirm(at=t0.add(hours=5))
    show(ticket, "customer confirmed")
    print(f"  first-contact resolution: {ticket.first_contact_resolution}")
    print("  conversation:")
    for message in ticket.conversation:
        channel = message.channel.value if message.channel else "internal"
        print(f"    {message.at:%H:%M} {message.kind.value:<8} {channel:<7} {message.body}")
    try:
        ticket.customer_message("It jams again!", at=t0.add(days=9))
    except TicketClosed:
        follow = ticket.follow_up("T-1002", body="It jams again!", at=t0.add(days=9))
        print(f"  closed is final: more contact opened {follow.id}, a follow-up of {ticket.id}")
    again = Ticket.replay(ticket.history)
    print(f"  replaying {ticket.version} events rebuilds an equal ticket: {again == ticket}")


def main() -> None:
    print(f"supportflow {supportflow.__version__}")
    print()
    ticket_tour()


if __name__ == "__main__":
    main()
