"""Reports for the partnership team: the filters, periods and scope every report shares.

The reports are capacity (reports.capacity), reach (reports.reach), the annual report pack
(reports.annual) and their CSV downloads (reports.exports).

Every figure is computed from the booking tables on each request (no cached counters), so the
reports are live: a booking made a second ago is counted. The counting is done by the database
with GROUP BY; only the roll-ups of per-session rows into courses, levels, partnerships, months
and financial years are summed in Python, because months and financial years are London dates
(a 00:30 BST start belongs to the London day, not the UTC one) and SQLite has no time zones.

Definitions (the same words appear in the help text on each page):

- **Period**: a session belongs to the period when its start, as a London date, falls between
  "from" and "to" inclusive. An e-learning completion belongs when its completion date does.
- **Sessions run**: sessions whose status is scheduled or completed. Cancelled and postponed
  sessions, and their bookings, are left out of every capacity figure.
- **Capacity**: the sum of those sessions' capacities.
- **Confirmed (places taken)**: bookings that are confirmed, attended or no-show.
- **Waitlisted**: bookings on the waiting list now.
- **Fill rate**: places taken ÷ capacity.
- **Attended** / **No-shows**: bookings marked attended / did not attend on the register.
- **No-show rate**: no-shows ÷ (attended + no-shows); blank until a register is taken.
- **Cancellations**: bookings cancelled (by the delegate, an administrator or the system).
- **Late cancellations**: cancellations made after the cancellation cut-off.
- **Delegates**: attended bookings (one person attending two sessions is two delegates).
- **Unique practitioners**: distinct people among those delegates.
- **Agency, sector and job role** are those recorded on the booking when it was made.
- **A partnership's figures**: the sessions it runs (CourseSession.partnership_id), whoever owns
  the course: a HIPS or joint course's sessions count for the partnership that runs each one, so
  partnership rows add up to the total. The course's owner is shown beside it. E-learning has no
  session: a completion counts for every partnership the course counts for (owner, joint, HIPS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, text

from .. import clock
from ..errors import DomainError
from ..extensions import db
from ..models import Course, CourseSession, LevelKind

NOT_RECORDED = "Not recorded"


class ReportForbidden(DomainError):
    """The person may not see reports (the reports blueprint answers it with the 403 page)."""

    message = "Only partnership administrators can see reports"


# --- periods and filters ---------------------------------------------------------------------


def financial_year_start(day: date) -> date:
    """The 1 April that starts the financial year containing `day`."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def financial_year_label(day: date) -> str:
    start = financial_year_start(day).year
    return f"{start}/{(start + 1) % 100:02d}"


def current_financial_year(now: datetime | None = None) -> tuple[date, date]:
    """(1 April, 31 March) of the financial year containing today in London."""
    today = clock.to_london(now or clock.now()).date()
    start = financial_year_start(today)
    return start, date(start.year + 1, 3, 31)


@dataclass(frozen=True)
class ReportFilters:
    """Validated filters. `partnership_id` is the partnership whose figures are shown (None: all)."""

    date_from: date
    date_to: date
    partnership_id: int | None = None
    course_id: int | None = None
    level: int | None = None

    @property
    def utc_bounds(self) -> tuple[datetime, datetime]:
        start = clock.from_london(datetime.combine(self.date_from, time()))
        end = clock.from_london(datetime.combine(self.date_to + timedelta(days=1), time()))
        return start, end


def without_jit() -> None:
    """PostgreSQL: no JIT compilation for this transaction's report queries.

    Report queries over many rows cross PostgreSQL's jit_above_cost, and compiling them costs about
    0.4 s, several times more than running them. SET LOCAL ends with the transaction.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def _course_and_level(filters: ReportFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.course_id is not None:
        conditions.append(Course.id == filters.course_id)
    if filters.level is not None:
        conditions.append(Course.level == filters.level)
    return conditions


def course_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Conditions on Course for the partnership, course and level filters, for what has no session
    (e-learning, the course list): the partnership is any the course counts for (Course.counts_for)."""
    conditions = _course_and_level(filters)
    if filters.partnership_id is not None:
        conditions.insert(0, Course.counts_for(filters.partnership_id))
    return conditions


def running_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Conditions on CourseSession and Course for the partnership, course and level filters: a
    session counts for the partnership that runs it (CourseSession.partnership_id)."""
    conditions = _course_and_level(filters)
    if filters.partnership_id is not None:
        conditions.insert(0, CourseSession.partnership_id == filters.partnership_id)
    return conditions


def session_conditions(filters: ReportFilters) -> list[ColumnElement[bool]]:
    """Conditions on CourseSession and Course: the period (session start) and running_conditions."""
    start, end = filters.utc_bounds
    return [CourseSession.starts_at >= start, CourseSession.starts_at < end, *running_conditions(filters)]


def level_label(level: int | None, level_kind: str | None) -> str:
    if level is None:
        return "No level"
    if level_kind is None or not LevelKind.includes(level_kind):
        return f"Level {level}"
    return LevelKind(level_kind).describe(level)
