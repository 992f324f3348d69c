"""The ticket aggregate (reactive support): its lifecycle, commands and events, response
templates, the impact x urgency priority matrix, and the escalation tiers a ticket moves
through (functional and hierarchical escalation as ticket commands).

May import: ``_kernel``, ``_calendars``, ``_vocabulary``, ``_sla``.
"""
