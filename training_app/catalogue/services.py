"""Finding courses and sessions: the public catalogue's queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock
from ..bookings.services import confirmed_count, count_per_session
from ..constants import CATALOGUE_PAGE_SIZE
from ..extensions import db
from ..models import (
    Course,
    CourseFormat,
    CourseSession,
    CourseStatus,
    Partnership,
    SessionStatus,
)
from ..models.reviews import suite_courses
from ..pagination import paginate

if TYPE_CHECKING:
    from sqlalchemy.orm.strategy_options import _AbstractLoad

# Upcoming sessions shown under each course on a catalogue page.
SESSIONS_SHOWN_PER_COURSE = 3


class CatalogueFilters(TypedDict, total=False):
    """The catalogue's filters (CatalogueFilterForm.cleaned()); a missing key does not filter."""

    q: str
    level: int
    format: str
    partnership: str  # a partnership code, or "HIPS"
    suite: int  # a CourseSuite id (issue 16)
    date_from: date
    date_to: date
    has_places: bool


def upcoming_session_conditions(filters: CatalogueFilters, now: datetime) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        CourseSession.status == SessionStatus.SCHEDULED,
        CourseSession.starts_at > now,
    ]
    if date_from := filters.get("date_from"):
        conditions.append(CourseSession.starts_at >= clock.from_london(datetime.combine(date_from, time())))
    if date_to := filters.get("date_to"):
        end = datetime.combine(date_to + timedelta(days=1), time())
        conditions.append(CourseSession.starts_at < clock.from_london(end))
    if filters.get("has_places"):
        conditions.append(CourseSession.capacity > count_per_session())
    return conditions


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def course_query(filters: CatalogueFilters, now: datetime) -> Select[Course]:
    """Published courses matching the filters (a select, not yet run)."""
    query = select(Course).where(Course.status == CourseStatus.PUBLISHED)
    if text := filters.get("q"):
        pattern = f"%{escape_like(text.lower())}%"
        query = query.where(
            or_(
                func.lower(Course.title).like(pattern, escape="\\"),
                func.lower(Course.summary).like(pattern, escape="\\"),
            )
        )
    if filters.get("level"):
        query = query.where(Course.level == filters["level"])
    if filters.get("format"):
        query = query.where(Course.format == filters["format"])
    code = filters.get("partnership")
    if code == "HIPS":
        query = query.where(Course.is_hips.is_(True))
    elif code:
        partnership_id = select(Partnership.id).where(Partnership.code == code).scalar_subquery()
        query = query.where(Course.counts_for(partnership_id))
    if suite := filters.get("suite"):
        query = query.where(Course.id.in_(select(suite_courses.c.course_id).where(suite_courses.c.suite_id == suite)))
    if filters.get("date_from") or filters.get("date_to"):
        # Only courses with a matching session (e-learning has no dates).
        query = query.where(
            exists().where(CourseSession.course_id == Course.id, *upcoming_session_conditions(filters, now))
        )
    elif filters.get("has_places"):
        query = query.where(
            or_(
                Course.format == CourseFormat.ELEARNING,
                exists().where(CourseSession.course_id == Course.id, *upcoming_session_conditions(filters, now)),
            )
        )
    return query


@dataclass
class CataloguePage:
    courses: Sequence[Course]
    sessions_by_course: dict[int, list[tuple[CourseSession, int]]]
    total: int
    page: int
    pages: int


def course_label_loads() -> tuple[_AbstractLoad, ...]:
    """Loader options for what a course's line in a list shows (`partnership_label`): its owner in the
    same statement, its joint partnerships in one more for the whole page. Without them the template
    lazy-loaded both for every course (issue 17: 21 extra statements on `/`)."""
    return (joinedload(Course.owner_partnership), selectinload(Course.joint_partnerships))


def search_catalogue(filters: CatalogueFilters, page: int = 1, per_page: int = CATALOGUE_PAGE_SIZE) -> CataloguePage:
    """One page of matching courses, each with its next matching sessions and places left."""
    now = clock.now()
    query = course_query(filters, now)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shown = paginate(total, per_page, page)
    page, pages = shown.page, shown.pages
    courses = db.session.scalars(
        query.options(*course_label_loads())
        .order_by(Course.title, Course.id)
        .limit(shown.per_page)
        .offset(shown.offset)
    ).all()
    sessions_by_course = upcoming_sessions_for(
        [c.id for c in courses], filters, now, limit_per_course=SESSIONS_SHOWN_PER_COURSE
    )
    return CataloguePage(courses, sessions_by_course, total, page, pages)


def upcoming_sessions_for(
    course_ids: Sequence[int], filters: CatalogueFilters, now: datetime, limit_per_course: int | None = None
) -> dict[int, list[tuple[CourseSession, int]]]:
    """{course_id: [(session, places_left), ...]} for upcoming scheduled sessions."""
    result: dict[int, list[tuple[CourseSession, int]]] = {course_id: [] for course_id in course_ids}
    if not course_ids:
        return result
    conditions = upcoming_session_conditions(filters, now)
    if limit_per_course is None:
        query = select(CourseSession, count_per_session()).where(CourseSession.course_id.in_(course_ids), *conditions)
    else:
        # Only the first few of each course leave the database, and only theirs are counted: a course
        # with hundreds of dates costs the page no more than one with three.
        rank = (
            func.row_number()
            .over(partition_by=CourseSession.course_id, order_by=(CourseSession.starts_at, CourseSession.id))
            .label("rank")
        )
        first = select(CourseSession.id, rank).where(CourseSession.course_id.in_(course_ids), *conditions).subquery()
        query = (
            select(CourseSession, count_per_session())
            .join(first, first.c.id == CourseSession.id)
            .where(first.c.rank <= limit_per_course)
        )
    # The venue in the same statement (the relationship's own default is one more "selectin" query).
    query = query.options(joinedload(CourseSession.venue)).order_by(CourseSession.starts_at, CourseSession.id)
    for course_session, taken in db.session.execute(query).all():
        result[course_session.course_id].append((course_session, max(0, course_session.capacity - taken)))
    return result


def other_dates_with_places(course_session: CourseSession, now: datetime) -> list[tuple[CourseSession, int]]:
    """[(session, places_left)] for the course's other upcoming sessions that have places and are open for
    booking at `now`, soonest first (one query): what a full session offers before its waiting list."""
    rows = db.session.execute(
        select(CourseSession, count_per_session())
        .options(joinedload(CourseSession.venue))
        .where(
            CourseSession.course_id == course_session.course_id,
            CourseSession.id != course_session.id,
            *upcoming_session_conditions({"has_places": True}, now),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    return [(other, other.capacity - taken) for other, taken in rows if other.booking_open(now)]


def places_left(course_session: CourseSession) -> int:
    return max(0, course_session.capacity - confirmed_count(course_session.id))


def published_course_or_none(slug: str) -> Course | None:
    return db.session.scalars(select(Course).options(*course_label_loads()).where(Course.slug == slug)).first()
