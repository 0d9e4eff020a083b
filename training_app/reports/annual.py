"""The annual report pack: delivery, reach, e-learning and the evaluations' distance travelled."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, distinct, func, or_, select

from .. import clock
from ..constants import ANNUAL_IMPACT_COMMENTS
from ..evaluations.figures import comments, pooled_by_course
from ..evaluations.quotes import normalised
from ..evaluations.scope import Scope
from ..evaluations.statistics import PairStat
from ..extensions import db
from ..models import Course, CourseSession, Partnership, SessionStatus
from ..permissions import report_scope
from .reach import attended_breakdowns, elearning_figures
from .scope import ReportFilters, session_conditions, without_jit
from .side_by_side import side_by_side

if TYPE_CHECKING:
    from ..models import User
    from .reach import ReachRow


EVALUATIONS_PENDING = "Evaluation figures appear here once evaluations are collected"


@dataclass
class CourseDelivery:
    course_id: int
    title: str
    sessions: int
    delegates: int
    practitioners: int
    distance: PairStat | None = None  # the evaluations area's summary for the course, when there is one
    owner: str = ""  # the code of the partnership that owns the course (sessions count for who ran them)


@dataclass
class AnnualReport:
    filters: ReportFilters
    courses_delivered: int
    sessions_delivered: int
    delegates: int
    practitioners: int
    by_agency: list[ReachRow]
    by_sector: list[ReachRow]
    courses: list[CourseDelivery]
    elearning_completions: int
    elearning_practitioners: int
    impact_comments: list[ImpactComment]


def delivered_condition(now: datetime) -> ColumnElement[bool]:
    """A session was delivered when it is completed, or scheduled and already over."""
    return or_(
        CourseSession.status == SessionStatus.COMPLETED,
        and_(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.ends_at <= now),
    )


def evaluation_summaries(
    filters: ReportFilters, comment_count: int = ANNUAL_IMPACT_COMMENTS
) -> tuple[dict[int, PairStat], list[ImpactComment]]:
    """Per-course distance travelled and a selection of impact comments, from the evaluations area.

    Uses the evaluations area's own summary functions (training_app.evaluations.figures:
    pooled_by_course, the per-delegate pooling behind build_summary's per-course rows, and comments)
    for the same period, partnership, course and level, so both areas report the same numbers.
    Only these two are called: the pack needs neither response rates nor satisfaction.
    Returns ({course_id: PairStat with mean_change and n, n counting delegates}, [ImpactComment]).
    """
    start, end = filters.utc_bounds
    scope = Scope(
        partnership_id=filters.partnership_id,
        course_id=filters.course_id,
        level=filters.level,
        date_from=start,
        date_to=end,
    )
    per_course, _ = pooled_by_course(scope)
    selected: list[ImpactComment] = []
    seen: set[str] = set()  # identical comments once (evaluations.quotes.normalised)
    for comment in comments(scope, with_names=False, limit=comment_count * 4)[1]:
        text = (comment.get("practice_text") or comment.get("changed_text") or "").strip()
        if text and len(selected) < comment_count and normalised(text) not in seen:
            seen.add(normalised(text))
            selected.append(ImpactComment(text=text, course_title=comment.get("title") or ""))
    return {course_id: stat for course_id, stat in per_course.items() if stat.n}, selected


@dataclass
class ImpactComment:
    text: str
    course_title: str


def annual_report(actor: User, filters: ReportFilters, now: datetime | None = None) -> AnnualReport:
    """The annual report pack: courses and sessions delivered, delegates trained and unique
    practitioners in the period, by agency and sector and per course, with e-learning completions
    and (when evaluations exist) distance travelled and impact comments.
    Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    delivered = delivered_condition(now)
    sessions_delivered, courses_delivered = db.session.execute(
        select(func.count(CourseSession.id), func.count(distinct(CourseSession.course_id)))
        .select_from(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .where(delivered, *session_conditions(filters))
    ).one()
    # The two longest reads (bench/annual_pack_bench.py), side by side on PostgreSQL.
    breakdowns, (summaries, impact_comments) = side_by_side(
        lambda: attended_breakdowns(filters, by_course=True, dimensions=frozenset({"agency", "sector"})),
        lambda: evaluation_summaries(filters),
    )

    sessions_per_course = dict(
        db.session.execute(
            select(CourseSession.course_id, func.count(CourseSession.id))
            .join(Course, Course.id == CourseSession.course_id)
            .where(delivered, *session_conditions(filters))
            .group_by(CourseSession.course_id)
        ).all()
    )
    attended_per_course = breakdowns.by_course or {}
    titles: dict[int, str] = {}
    owners: dict[int, str] = {}
    if sessions_per_course or attended_per_course:
        for course_id, title, owner in db.session.execute(
            select(Course.id, Course.title, Partnership.code)
            .join(Partnership, Partnership.id == Course.owner_partnership_id)
            .where(Course.id.in_(set(sessions_per_course) | set(attended_per_course)))
        ):
            titles[course_id], owners[course_id] = title, owner
    courses = sorted(
        (
            CourseDelivery(
                course_id=course_id,
                title=titles[course_id],
                sessions=sessions_per_course.get(course_id, 0),
                delegates=attended_per_course[course_id].delegates if course_id in attended_per_course else 0,
                practitioners=attended_per_course[course_id].practitioners if course_id in attended_per_course else 0,
                owner=owners[course_id],
            )
            for course_id in titles
        ),
        key=lambda course: (course.title, course.course_id),
    )

    for course in courses:
        course.distance = summaries.get(course.course_id)
    completions, people, _ = elearning_figures(filters)
    return AnnualReport(
        filters=filters,
        courses_delivered=courses_delivered,
        sessions_delivered=sessions_delivered,
        delegates=breakdowns.delegates,
        practitioners=breakdowns.practitioners,
        by_agency=breakdowns.by_agency,
        by_sector=breakdowns.by_sector,
        courses=courses,
        elearning_completions=completions,
        elearning_practitioners=people,
        impact_comments=impact_comments,
    )
