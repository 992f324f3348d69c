"""Proactive support, where the business reaches out first: the shared base of the
proactive aggregates, incidents (status-page communication), scheduled maintenance,
proactive cases (outreach) and feedback programs (CSAT, NPS, CES).

May import: ``_kernel``, ``_vocabulary``, ``_tickets``.
"""
