"""Typical user code, type-checked with mypy --strict so the public API stays pleasant."""

from __future__ import annotations

import supportflow
from supportflow import SupportflowError


def describe(error: SupportflowError) -> str:
    return f"{type(error).__name__}: {error}"


VERSION: str = supportflow.__version__
