"""The kernel every aggregate stands on: errors, instants and durations, field checks,
documents (readers, codecs, migrations), the event base, the aggregate base with its one
command wrapper, and the lifecycle executor over a shared ``transitions`` Machine.

May import: nothing else in supportflow.
"""
