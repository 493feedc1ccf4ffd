"""Every Redis key of the analytics package (prefix = the service's REDIS_PREFIX)."""

from __future__ import annotations

# The default consumer group (ANALYTICS_GROUP): consumers of one group share the work, each event is handled
# by one of them; a second store fed from the same stream (e.g. while moving to PostgreSQL) uses another group.
GROUP = "analytics"


def stream(prefix: str) -> str:
    """The one stream every gateway and action server appends to."""
    return f"{prefix}analytics:events"


def dropped(prefix: str) -> str:
    """A counter of events a producer could not append (Redis refused): visible in `analytics health`."""
    return f"{prefix}analytics:dropped"
