"""Shared hypothesis strategies: every property test draws from here.

Each helper adds its strategies in clearly named functions.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

# --- proactive support (outreach, incidents, maintenance, feedback) -------------------


def proactive_command_steps(
    commands: Sequence[str], *, max_steps: int = 12, max_minutes: int = 36 * 60
) -> st.SearchStrategy[list[tuple[str, int, int]]]:
    """Random command sequences: ``(command, minutes since the previous step, parameter)``.

    The parameter is a small int a test maps to an argument (a customer index, a
    score...). Zero-minute steps are frequent, to exercise ties between instants.
    """
    minutes = st.one_of(st.just(0), st.integers(0, max_minutes))
    return st.lists(
        st.tuples(st.sampled_from(list(commands)), minutes, st.integers(-2, 12)),
        max_size=max_steps,
    )
