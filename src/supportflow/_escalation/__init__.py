"""Escalation policies: rules of a condition (SLA threshold or breach, priority at open,
reopens, reassignments, age in business time, a customer request) and an action
(escalate to a tier, notify a manager, raise the priority), evaluated against a ticket.

May import: ``_kernel``, ``_calendars``, ``_vocabulary``, ``_sla``, ``_tickets``.
"""
