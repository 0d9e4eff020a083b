"""When a completion expires, and where a person stands on a requirement: the one rule.

A completion's date is its London date (a session at 00:30 on 1 April, London summer time, was done on
1 April, though it is 31 March in UTC). With a validity of M months it expires on the same day of the
month M months later, or that month's last day when it has no such day (29 February 2024 + 12 months
expires on 28 February 2025). On and after that date it has expired; in the DUE_WITHIN_DAYS days before,
it is due for renewal. "Today" is the London date of clock.now().

The compliance figures count in SQL, so the same rule is also given as cut-offs on the stored UTC
moments (`status_cutoffs`): a completion at or after `expired_before` has not expired, and so on.
The known-answer tests check that both forms agree around every boundary.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .. import clock
from ..models import RequirementStatus

# A requirement is due for renewal this many days before it expires (and reminders start then).
DUE_WITHIN_DAYS = 90


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` (negative goes back), clamped to the end of a shorter month."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def london_today(at: datetime | None = None) -> date:
    """The London date of `at` (naive UTC; default: now)."""
    return clock.to_london(at or clock.now()).date()


def expires_on(completed_on: date, validity_months: int | None) -> date | None:
    """The date a completion stops counting (None: it never expires)."""
    return add_months(completed_on, validity_months) if validity_months else None


def status_on(completed_on: date | None, validity_months: int | None, today: date) -> RequirementStatus:
    """Where someone stands whose latest qualifying completion was on `completed_on` (None: never)."""
    if completed_on is None:
        return RequirementStatus.NEVER
    expiry = expires_on(completed_on, validity_months)
    if expiry is None:
        return RequirementStatus.CURRENT
    if today >= expiry:
        return RequirementStatus.EXPIRED
    if today >= expiry - timedelta(days=DUE_WITHIN_DAYS):
        return RequirementStatus.DUE
    return RequirementStatus.CURRENT


def latest_day_expired_by(today: date, validity_months: int) -> date:
    """The last completion date that has expired by `today` (every earlier date has too)."""
    day = add_months(today, -validity_months)
    while add_months(day + timedelta(days=1), validity_months) <= today:
        day += timedelta(days=1)
    return day


def _london_midnight_after(day: date) -> datetime:
    return clock.from_london(datetime.combine(day + timedelta(days=1), time()))


@dataclass(frozen=True)
class Cutoffs:
    """`status_on` as UTC moments: a latest completion before `expired_before` has expired; before
    `due_before`, it is due; otherwise current. None: the requirement never expires."""

    expired_before: datetime
    due_before: datetime


def status_cutoffs(validity_months: int | None, today: date) -> Cutoffs | None:
    if not validity_months:
        return None
    return Cutoffs(
        expired_before=_london_midnight_after(latest_day_expired_by(today, validity_months)),
        due_before=_london_midnight_after(
            latest_day_expired_by(today + timedelta(days=DUE_WITHIN_DAYS), validity_months)
        ),
    )
