"""The demand report: who is asking for training the programme does not yet offer enough of.

Definitions (the page says the same):
- **Interested**: people waiting to be told of a course's dates ("Tell me when dates are available"),
  not yet told (CourseInterest.notified_at is null).
- **On waiting lists**: bookings on the waiting list now, on upcoming scheduled sessions.
- **Unmet demand**: people on the waiting list of a full upcoming session, plus people interested in
  a course that has no upcoming session with a free place (none scheduled, or every one full).
- **Partnership area** and **sector**: those of the person's organisation (an interested person's
  organisation now; a booking's organisation as recorded when it was made); without one, the
  person's own partnership; else "Not recorded".
- **Scope**: courses that count for the partnership (owner, joint, HIPS) and, for waiting lists, the
  upcoming sessions it runs. Demand is counted as it is now: the period filter does not apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from .. import clock
from ..extensions import db
from ..models import (
    Agency,
    Booking,
    BookingStatus,
    Course,
    CourseInterest,
    CourseSession,
    Partnership,
    SessionStatus,
    User,
)
from ..permissions import report_scope
from .scope import NOT_RECORDED, ReportFilters, course_conditions, level_label, without_jit

if TYPE_CHECKING:
    from ..models import User as Actor


@dataclass
class DemandRow:
    label: str
    interested: int = 0
    waiting: int = 0
    unmet: int = 0
    detail: str = ""  # per course: its level
    key: object = None  # what the row groups by (a course id, a level label ...)


@dataclass
class DemandReport:
    filters: ReportFilters
    total: DemandRow
    by_course: list[DemandRow] = field(default_factory=list)
    by_level: list[DemandRow] = field(default_factory=list)
    by_area: list[DemandRow] = field(default_factory=list)
    by_sector: list[DemandRow] = field(default_factory=list)


# One cell of demand: (course id, partnership area code, sector) -> [interested, waiting, unmet].
Cells = dict[tuple[int, str, str], list[int]]


def _cell(cells: Cells, course_id: int, area: str, sector: str | None) -> list[int]:
    return cells.setdefault((course_id, area, sector or NOT_RECORDED), [0, 0, 0])


def _interest_cells(filters: ReportFilters, open_courses: set[int], codes: dict[int, str], cells: Cells) -> None:
    area = func.coalesce(Agency.partnership_id, User.partnership_id)
    rows = db.session.execute(
        select(CourseInterest.course_id, area, Agency.sector, func.count(CourseInterest.id))
        .join(Course, Course.id == CourseInterest.course_id)
        .join(User, User.id == CourseInterest.user_id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(CourseInterest.notified_at.is_(None), *course_conditions(filters))
        .group_by(CourseInterest.course_id, area, Agency.sector)
    ).all()
    for course_id, area_id, sector, count in rows:
        cell = _cell(cells, course_id, codes.get(area_id, NOT_RECORDED), sector)
        cell[0] += count
        if course_id not in open_courses:
            cell[2] += count


def _upcoming_sessions(filters: ReportFilters, now: datetime) -> list[tuple[int, int, int, bool]]:
    """(session id, course id, places left, run by the partnership filtered on) of every upcoming
    scheduled session of the courses in scope."""
    taken = (
        select(func.count(Booking.id))
        .where(Booking.session_id == CourseSession.id, Booking.status.in_(BookingStatus.HOLDS_PLACE))
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            CourseSession.id,
            CourseSession.course_id,
            CourseSession.capacity - taken,
            CourseSession.partnership_id,
        )
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at > now, *course_conditions(filters)
        )
    ).all()
    wanted = filters.partnership_id
    return [(sid, course_id, places, wanted in (None, runner)) for sid, course_id, places, runner in rows]


def _waiting_cells(ours: dict[int, bool], codes: dict[int, str], cells: Cells) -> None:
    """Waiting lists on the upcoming sessions the partnership runs; `ours`: session id -> is full."""
    if not ours:
        return
    area = func.coalesce(Agency.partnership_id, User.partnership_id)
    rows = db.session.execute(
        select(Booking.session_id, CourseSession.course_id, area, Agency.sector, func.count(Booking.id))
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(User, User.id == Booking.user_id)
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(Booking.status == BookingStatus.WAITLISTED, Booking.session_id.in_(list(ours)))
        .group_by(Booking.session_id, CourseSession.course_id, area, Agency.sector)
    ).all()
    for session_id, course_id, area_id, sector, count in rows:
        cell = _cell(cells, course_id, codes.get(area_id, NOT_RECORDED), sector)
        cell[1] += count
        if ours[session_id]:
            cell[2] += count


def _rolled(
    cells: Cells, group_of: Callable[[tuple[int, str, str]], object], label_of: Callable[[object], str]
) -> list[DemandRow]:
    """Sum the cells into one row per group; the most unmet demand first."""
    rows: dict[object, DemandRow] = {}
    for key, (interested, waiting, unmet) in cells.items():
        group = group_of(key)
        row = rows.setdefault(group, DemandRow(label_of(group), key=group))
        row.interested += interested
        row.waiting += waiting
        row.unmet += unmet
    return sorted(rows.values(), key=lambda row: (-row.unmet, -row.interested - row.waiting, row.label))


def demand_report(actor: Actor, filters: ReportFilters, now: datetime | None = None) -> DemandReport:
    """Interest, waiting lists and unmet demand by course, level, partnership area and sector, as
    defined in this module's docstring. Raises ReportForbidden for non-administrators."""
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    codes: dict[int, str] = {pid: code for pid, code in db.session.execute(select(Partnership.id, Partnership.code))}
    sessions = _upcoming_sessions(filters, now)
    open_courses = {course_id for _, course_id, places, _ in sessions if places > 0}
    cells: Cells = {}
    _interest_cells(filters, open_courses, codes, cells)
    _waiting_cells({sid: places <= 0 for sid, _, places, ours in sessions if ours}, codes, cells)
    course_ids = {key[0] for key in cells}
    titles: dict[int, str] = {}
    levels: dict[int, str] = {}
    for course_id, title, level, kind in db.session.execute(
        select(Course.id, Course.title, Course.level, Course.level_kind).where(Course.id.in_(course_ids))
    ):
        titles[course_id], levels[course_id] = title, level_label(level, kind)
    by_course = _rolled(cells, lambda key: key[0], lambda course_id: titles[course_id])  # type: ignore[index]
    for row in by_course:
        row.detail = levels[row.key]  # type: ignore[index]
    total = DemandRow(
        "Total",
        sum(c[0] for c in cells.values()),
        sum(c[1] for c in cells.values()),
        sum(c[2] for c in cells.values()),
    )
    return DemandReport(
        filters=filters,
        total=total,
        by_course=by_course,
        by_level=_rolled(cells, lambda key: levels[key[0]], str),
        by_area=_rolled(cells, lambda key: key[1], str),
        by_sector=_rolled(cells, lambda key: key[2], str),
    )


def demand_rows(report: DemandReport) -> list[tuple[object, ...]]:
    """The CSV: one row per course, level, partnership area and sector, then the total."""
    rows: list[tuple[object, ...]] = [("Grouping", "Name", "Level", "Interested", "On waiting lists", "Unmet demand")]
    for grouping, group in (
        ("Course", report.by_course),
        ("Level", report.by_level),
        ("Partnership area", report.by_area),
        ("Sector", report.by_sector),
    ):
        rows += [(grouping, r.label, r.detail, r.interested, r.waiting, r.unmet) for r in group]
    rows.append(("Total", "", "", report.total.interested, report.total.waiting, report.total.unmet))
    return rows
