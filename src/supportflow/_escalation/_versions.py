"""Versions of the escalation policy a host keeps while tickets still name them.

Each edition is an :class:`EscalationPolicy` with a ``version``;
:class:`EscalationPolicyVersions` holds the editions a host still needs and says
which one new tickets open under. A ticket records the version it opened under and
every later change (``Ticket.apply_escalation_version``), so it loads under exactly the
rules it was written with.
"""

from __future__ import annotations

from typing import ClassVar

from .._kernel._editions import Editions, versions_needed
from ._policy import EscalationPolicy

__all__ = ["EscalationPolicyVersions", "escalation_versions_needed"]


class EscalationPolicyVersions(Editions[EscalationPolicy]):
    """The editions of an escalation policy a host keeps, by version; ``current`` is
    the version new tickets open under (by default the last policy given; None names
    the unversioned one).

    Pass it wherever an :class:`EscalationPolicy` goes (``Ticket.open(escalation=...)``,
    ``from_dict``, ``replay``, a store). Versions must be unique; at most one policy may
    be unversioned (``version=None``): the one tickets opened before versions were
    kept are loaded under.
    """

    __slots__ = ()
    _holds: ClassVar = EscalationPolicy
    _noun: ClassVar = "escalation policy"
    _plural: ClassVar = "escalation policies"


def escalation_versions_needed(data: object) -> frozenset[str | None]:
    """The escalation policy versions a stored ticket document needs to load: the one
    it opened under and every one it applied since; None when it records no opening
    version (it opened under an unversioned policy, or under none: a ticket document
    does not say whether it had an escalation policy). Keep those in
    :class:`EscalationPolicyVersions` while the document is stored; raises
    :class:`SchemaError` for what is not a ticket document.
    """
    return versions_needed(data, "escalation_version_applied", lambda reader: True)
