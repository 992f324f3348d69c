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


# --- escalation (tier ladders, policies) ---------------------------------------------


def escalation_team_names() -> st.SearchStrategy[str]:
    """Short team names (lower-case words joined by underscores)."""
    return st.from_regex(r"[a-z]{1,8}(_[a-z]{1,6})?", fullmatch=True)


@st.composite
def escalation_ladders(draw: st.DrawFn) -> object:
    """Valid ``TierLadder`` objects: 1-6 consecutive tiers, unique names and teams."""
    from supportflow import Tier, TierLadder

    bottom = draw(st.integers(0, 3))
    size = draw(st.integers(1, 6))
    names = draw(
        st.lists(
            st.text(min_size=1, max_size=12).filter(str.strip),
            min_size=size,
            max_size=size,
            unique=True,
        )
    )
    teams = draw(st.lists(escalation_team_names(), min_size=size, max_size=size * 3, unique=True))
    groups: list[list[str]] = [[team] for team in teams[:size]]
    for team in teams[size:]:
        groups[draw(st.integers(0, size - 1))].append(team)
    return TierLadder(Tier(bottom + index, names[index], groups[index]) for index in range(size))
