"""How the desk runs: what it promises customers (expectations and hours statements
derived from the SLA policies) and who takes which ticket (agents, rosters, routing).

May import: ``_kernel``, ``_calendars``, ``_vocabulary``, ``_sla``, ``_tickets``.
"""
