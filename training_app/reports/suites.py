"""Per-suite figures for the annual pack (issue 16): courses, sessions, delegates, unique people,
agencies reached and distance travelled over a suite's courses.

The same definitions as the pack (reports.annual): delivered sessions run by the partnership in the
period; delegates are attended bookings on them, people the different persons, agencies the
different organisations recorded on those bookings. A course in two suites counts in both.
Distance travelled: the evaluations area's per-course figures (pooled per delegate) of the suite's
courses delivered in the period, added together, so each delegate counts once per course.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, distinct, func, or_, select, true

from ..evaluations.statistics import PairStat
from ..extensions import db
from ..models import Booking, BookingStatus, Course, CourseSession
from ..models.reviews import CourseSuite, suite_courses
from .annual import AnnualReport, delivered_condition
from .scope import ReportFilters, session_conditions

SUMMED = ("n", "sum_pre", "sum_post", "sum_change", "sum_change_sq", "improved", "unchanged", "worse")


@dataclass
class SuiteFigures:
    suite_id: int
    name: str
    courses: int = 0  # suite courses with a session delivered in the period
    sessions: int = 0
    delegates: int = 0
    practitioners: int = 0
    agencies: int = 0
    distance: PairStat = field(default_factory=lambda: PairStat("All outcomes"))

    @property
    def label(self) -> str:
        return self.name


def combined(stats: list[PairStat], label: str = "All outcomes") -> PairStat:
    """One PairStat of several (additive sums), e.g. a suite's courses, each already pooled per delegate."""
    total = PairStat(label)
    for stat in stats:
        for name in SUMMED:
            setattr(total, name, getattr(total, name) + getattr(stat, name))
    return total


def pack_suites_condition(partnership_id: int | None) -> ColumnElement[bool]:
    """The suites a partnership's pack shows: its own and the HIPS-wide ones (all, for all partnerships)."""
    if partnership_id is None:
        return true()
    return or_(CourseSuite.partnership_id == partnership_id, CourseSuite.partnership_id.is_(None))


def suites_of(report: AnnualReport, now: datetime) -> list[SuiteFigures]:
    """The suites' figures for an annual report: distance travelled over the suite's courses delivered
    in the period (each course's figure as the report shows it)."""
    distances = {course.course_id: course.distance for course in report.courses if course.distance is not None}
    return suite_figures(report.filters, now, distances)


def suite_figures(filters: ReportFilters, now: datetime, distance_by_course: dict[int, PairStat]) -> list[SuiteFigures]:
    """Figures per suite, in name order (four statements whatever the number of suites)."""
    suites = db.session.execute(
        select(CourseSuite.id, CourseSuite.name)
        .where(pack_suites_condition(filters.partnership_id))
        .order_by(CourseSuite.name, CourseSuite.id)
    ).all()
    if not suites:
        return []
    rows = {suite_id: SuiteFigures(suite_id, name) for suite_id, name in suites}
    in_suites = suite_courses.c.suite_id.in_(rows)
    sessions = (
        select(suite_courses.c.suite_id, func.count(distinct(CourseSession.course_id)), func.count(CourseSession.id))
        .select_from(suite_courses)
        .join(CourseSession, CourseSession.course_id == suite_courses.c.course_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(in_suites, delivered_condition(now), *session_conditions(filters))
        .group_by(suite_courses.c.suite_id)
    )
    for suite_id, courses, count in db.session.execute(sessions):
        rows[suite_id].courses, rows[suite_id].sessions = int(courses), int(count)
    attended = (
        select(
            suite_courses.c.suite_id,
            func.count(Booking.id),
            func.count(distinct(Booking.user_id)),
            func.count(distinct(Booking.agency_id)),
        )
        .select_from(suite_courses)
        .join(CourseSession, CourseSession.course_id == suite_courses.c.course_id)
        .join(Course, Course.id == CourseSession.course_id)
        .join(Booking, Booking.session_id == CourseSession.id)
        .where(in_suites, Booking.status == BookingStatus.ATTENDED, *session_conditions(filters))
        .group_by(suite_courses.c.suite_id)
    )
    for suite_id, delegates, people, agencies in db.session.execute(attended):
        row = rows[suite_id]
        row.delegates, row.practitioners, row.agencies = int(delegates), int(people), int(agencies)
    members: dict[int, list[int]] = {}
    for suite_id, course_id in db.session.execute(
        select(suite_courses.c.suite_id, suite_courses.c.course_id).where(in_suites)
    ):
        members.setdefault(suite_id, []).append(course_id)
    for suite_id, course_ids in members.items():
        rows[suite_id].distance = combined([distance_by_course[c] for c in course_ids if c in distance_by_course])
    return list(rows.values())
