"""SLA policies and their clocks: the policy set and its matching (``_policy``), the
arithmetic of one clock over a business calendar (``_clock``), and the SLA state of one
ticket driven by its events (``_state``).

May import: ``_kernel``, ``_calendars``, ``_vocabulary``.
"""
