"""Escalation policy behaviour that the mutation run of ``_escalation/_policy.py``
(docs/quality.md) found untested."""
