"""The vocabulary of support work: domains, topics, channels, priorities, phases, statuses.

Closed sets as string enums whose values are the names used in serialized data.
Customer *service* is the umbrella (billing, shipping...); customer *support* is
its technical subset (installation, troubleshooting...). Every topic knows its domain.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "Channel",
    "Domain",
    "LifecyclePhase",
    "Priority",
    "TicketStatus",
    "Topic",
]


class Domain(enum.StrEnum):
    """Customer service (non-technical, transactional) or customer support (technical)."""

    SERVICE = "service"
    SUPPORT = "support"


class Topic(enum.StrEnum):
    """What a ticket is about; :attr:`domain` tells service topics from support activities."""

    # customer service
    BILLING = "billing"
    SHIPPING = "shipping"
    ONBOARDING = "onboarding"
    ACCOUNT = "account"
    UPSELL = "upsell"
    FEEDBACK = "feedback"
    # customer support (technical activities)
    PLANNING = "planning"
    INSTALLATION = "installation"
    TRAINING = "training"
    TROUBLESHOOTING = "troubleshooting"
    MAINTENANCE = "maintenance"
    UPGRADING = "upgrading"
    DISPOSAL = "disposal"

    @property
    def domain(self) -> Domain:
        """The domain this topic belongs to."""
        return _TOPIC_DOMAIN[self]

    @classmethod
    def of(cls, domain: Domain) -> tuple[Topic, ...]:
        """The topics of ``domain``, in declaration order."""
        return tuple(topic for topic in cls if _TOPIC_DOMAIN[topic] is domain)


_SERVICE_TOPICS: Final = frozenset(
    {
        Topic.BILLING,
        Topic.SHIPPING,
        Topic.ONBOARDING,
        Topic.ACCOUNT,
        Topic.UPSELL,
        Topic.FEEDBACK,
    }
)
_TOPIC_DOMAIN: Final[dict[Topic, Domain]] = {
    topic: Domain.SERVICE if topic in _SERVICE_TOPICS else Domain.SUPPORT for topic in Topic
}


class Channel(enum.StrEnum):
    """Where an interaction happened."""

    PHONE = "phone"
    EMAIL = "email"
    LIVE_CHAT = "live_chat"
    SOCIAL = "social"
    SMS = "sms"
    IN_APP = "in_app"
    WEB_FORM = "web_form"
    SELF_SERVICE = "self_service"
    COMMUNITY = "community"
    POINT_OF_SALE = "point_of_sale"


class Priority(enum.StrEnum):
    """How urgent a ticket is; :attr:`rank` orders them (low 0 .. urgent 3)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """0 for low up to 3 for urgent."""
        return _PRIORITY_RANK[self]


_PRIORITY_RANK: Final[dict[Priority, int]] = {p: index for index, p in enumerate(Priority)}


class LifecyclePhase(enum.StrEnum):
    """Where the customer stands: learning (pre-sale), buying (purchase), using
    (post-sale), or churned (left, so far: a ticket from a former customer is
    win-back work). One set for tickets, contacts and customers."""

    LEARNING = "learning"
    BUYING = "buying"
    USING = "using"
    CHURNED = "churned"


class TicketStatus(enum.StrEnum):
    """The status of a reactive ticket (see the ticket lifecycle)."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on_hold"
    SOLVED = "solved"
    CLOSED = "closed"
