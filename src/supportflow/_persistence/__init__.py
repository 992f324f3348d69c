"""What the documents of every aggregate look like from outside: the JSON Schemas
generated from the codecs, published by ``supportflow.schemas``.

May import: ``_kernel``, ``_calendars``, ``_vocabulary``, ``_sla``, ``_tickets``,
``_escalation``, ``_proactive``, ``_metrics``, ``_customers``.
"""
