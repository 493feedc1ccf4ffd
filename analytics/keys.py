"""Every Redis key of the analytics package (prefix = the service's REDIS_PREFIX)."""

from __future__ import annotations

# The consumer group every analytics consumer joins: one group, so each event is handled by one consumer.
GROUP = "analytics"


def stream(prefix: str) -> str:
    """The one stream every gateway and action server appends to."""
    return f"{prefix}analytics:events"


def dropped(prefix: str) -> str:
    """A counter of events a producer could not append (Redis refused): visible in `analytics health`."""
    return f"{prefix}analytics:dropped"
