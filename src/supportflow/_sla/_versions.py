"""Versions of the SLA policies a host keeps while tickets still name them.

Help desks edit their SLA policies often. Each edition is an :class:`SLAPolicySet`
with a ``version``; :class:`SLAPolicyVersions` holds the editions a host still needs
(every version a stored ticket's history names) and says which one new tickets open
under. A ticket records the version it opened under and every later change
(``Ticket.apply_sla_version``, ``Ticket.repair_sla``), so it loads under exactly the
policies it was written with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from .._kernel._editions import Editions, versions_needed
from ._policy import SLAPolicySet, Ticket

if TYPE_CHECKING:
    from ._state import SLAState

__all__ = ["SLAPolicyVersions", "sla_versions_needed"]


class SLAPolicyVersions(Editions[SLAPolicySet]):
    """The editions of an SLA policy set a host keeps, by version; ``current`` is the
    version new tickets open under (by default the last set given; None names the
    unversioned one).

    Pass it wherever an :class:`SLAPolicySet` goes (``Ticket.open(sla=...)``,
    ``from_dict``, ``replay``, a store). Versions must be unique; at most one set may
    be unversioned (``version=None``): the one tickets opened before versions were
    kept are loaded under.
    """

    __slots__ = ()
    _holds: ClassVar = SLAPolicySet
    _noun: ClassVar = "SLA policy"
    _plural: ClassVar = "SLA policy sets"

    def attach(self, ticket: Ticket) -> SLAState:
        """The SLA state of a ticket just opened, under the current set."""
        return self._current.attach(ticket)


def sla_versions_needed(data: object) -> frozenset[str | None]:
    """The SLA policy versions a stored ticket document needs to load: the one it
    opened under and every one it applied since (None for an unversioned set). Empty
    for a ticket without SLA. Keep those in :class:`SLAPolicyVersions` while the
    document is stored; raises :class:`SchemaError` for what is not a ticket document.
    """
    return versions_needed(
        data, "sla_version_applied", lambda reader: reader.data.get("sla") is not None
    )
