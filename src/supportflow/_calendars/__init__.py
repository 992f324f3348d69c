"""Business calendars: working hours per weekday, holidays, exceptions and breaks, in
an IANA zone; business-time arithmetic in both directions, business days, intersection
and union, with a cost flat in the span.

May import: ``_kernel``.
"""
