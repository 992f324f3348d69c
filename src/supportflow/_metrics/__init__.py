"""KPIs computed from the objects (first-contact resolution, CSAT, NPS, CES, reply and
resolution times, SLA compliance, reopen and escalation rates, backlog, churn and
retention) and their report tables.

May import: ``_kernel``, ``_calendars``, ``_vocabulary``, ``_sla``, ``_tickets``.
"""
