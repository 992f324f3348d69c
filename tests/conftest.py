"""Test configuration: hypothesis profiles.

``dev`` (default) is quick; ``ci`` (selected when ``CI=true``, or with
``HYPOTHESIS_PROFILE=ci``) runs many more examples; ``deep`` (``make test-deep``) ten
times the ``ci`` examples; ``mutation`` (``make mutation``) ten, derandomized. None has a
deadline: these machines are shared and noisy, and a timing failure would be a flaky test.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

from postgres import postgres_url  # noqa: F401  (session fixture: a private PostgreSQL)

settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# ``deep`` (``make test-deep``, ``make fuzz-deep``): ten times the ``ci`` examples.
settings.register_profile(
    "deep",
    parent=settings.get_profile("ci"),
    max_examples=3000,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
# ``mutation`` (``make mutation``, docs/quality.md): few examples, the same ones every run
# (derandomized, no example database), no shrinking: a mutant only needs one failing example,
# and its verdict must not depend on the run before it.
settings.register_profile(
    "mutation",
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
_default = "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))
