"""The words the rest of the library shares: the closed sets of the domain (channels,
domains and topics, priorities, ticket statuses, lifecycle phases) and the ticket's
events as plain frozen data, which the SLA clocks, the escalation rules and the metrics
read without depending on the ticket aggregate.

May import: ``_kernel``.
"""
