"""SLA clock behaviour that the mutation run of ``_sla/_clock.py`` (docs/quality.md) found
untested."""
