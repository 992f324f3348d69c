"""Customers: identities per channel, one timeline across tickets and outreach,
lifecycle phase, satisfaction history, and health scoring with its rules.

May import: ``_kernel``, ``_vocabulary``, ``_tickets``, ``_proactive``, ``_metrics``.
"""
