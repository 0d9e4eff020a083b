"""The one place the application asks the time, so tests can control it.

All datetimes stored in the database are naive UTC; pages show Europe/London.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
_frozen: datetime | None = None


def now() -> datetime:
    """The current time as naive UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def freeze(moment: datetime | None) -> None:
    """Fix the clock (tests only); `None` lets it run again."""
    global _frozen
    _frozen = moment


def to_london(utc_naive: datetime) -> datetime:
    return utc_naive.replace(tzinfo=UTC).astimezone(LONDON)


def from_london(local_naive: datetime) -> datetime:
    """A wall-clock time in London to naive UTC (the stored form)."""
    aware = local_naive.replace(tzinfo=LONDON)
    return aware.astimezone(UTC).replace(tzinfo=None)
