"""Times as people read them: Europe/London, for every page and every CSV download.

The database holds naive UTC (training_app.clock); nothing else converts for display.
"""

from datetime import datetime, timedelta
from functools import lru_cache

from .clock import to_london

PAGE_DATETIME = "%A %-d %B %Y, %-I:%M%p"


def london_datetime(value: datetime | None, fmt: str = PAGE_DATETIME) -> str:
    """'Wednesday 3 March 2027, 9:30am' in London time ('' for None)."""
    if value is None:
        return ""
    text = to_london(value).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm")


def london_date(value: datetime | None) -> str:
    """'Wednesday 3 March 2027' (London date)."""
    return london_datetime(value, "%A %-d %B %Y")


def london_time(value: datetime | None) -> str:
    """'9:30am' (London time)."""
    return london_datetime(value, "%-I:%M%p")


def london_until(value: datetime | None) -> str:
    """A deadline as people read it after "until": 'the end of Monday 15 March 2027' when it falls at
    midnight London time (so nobody reads "Tuesday, 12:00am" as the start of Tuesday), otherwise
    'Monday 15 March 2027, 3:30pm'. '' for None."""
    if value is None:
        return ""
    local = to_london(value)
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return "the end of " + (local - timedelta(days=1)).strftime("%A %-d %B %Y")
    return london_datetime(value)


@lru_cache(maxsize=8192)
def _london_offset(utc_hour: datetime) -> timedelta:
    # Europe/London changes offset on the hour (01:00 UTC), so one lookup per UTC hour is exact.
    offset = to_london(utc_hour).utcoffset()
    assert offset is not None
    return offset


def london_csv(value: datetime | None) -> str:
    """'YYYY-MM-DD HH:MM' in London time for a naive UTC datetime ('' for None): every CSV's format.

    Fast enough for a million-row export: one cached offset lookup per UTC hour.
    """
    if value is None:
        return ""
    local = value + _london_offset(value.replace(minute=0, second=0, microsecond=0))
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
