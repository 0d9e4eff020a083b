"""Calendar feeds: which sessions each feed holds, their cache validators, and feed tokens.

Each feed is planned in two steps so a poll by a calendar client stays cheap:
1. a small query gives the feed's validator (ETag and Last-Modified); if the client already has
   that version the view answers 304 without loading anything else;
2. otherwise the sessions are loaded with their course and trainers in a fixed number of queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, ScalarSelect, case, func, or_, select

from ..catalogue.services import CatalogueFilters, course_query
from ..errors import DomainError
from ..extensions import db
from ..models import Booking, BookingStatus, Course, CourseSession, CourseStatus, SessionStatus, User
from ..models.catalogue import session_trainers
from ..models.users import new_calendar_token
from .feed_sessions import FeedSession, sessions_where

# Cancelled events stay in feeds this long, so clients that poll now and then still remove them.
CANCELLED_KEPT_FOR = timedelta(days=30)
# Past sessions stay in personal and teaching feeds for a year (a record of training done).
HISTORY_KEPT_FOR = timedelta(days=365)
# Part of every ETag: bump when the rendering of events changes, so clients refetch.
FEED_FORMAT_VERSION = "1"


class InvalidFeedFilter(DomainError):
    """A public feed URL with a filter value the catalogue does not offer (answered with a 400)."""


class PublicFeedFilters(CatalogueFilters, total=False):
    """The catalogue's level, partnership and format filters, plus one course by slug."""

    course: str


@dataclass
class FeedPlan:
    """What a feed will contain, known before the events are built."""

    etag: str
    last_modified: datetime  # naive UTC
    session_ids: list[int] = field(default_factory=list)
    # session id -> CONFIRMED / TENTATIVE / CANCELLED, or None where the session's own status decides
    statuses: dict[int, str | None] = field(default_factory=dict)


def _digest(*parts: object) -> str:
    text = "\x1f".join(str(p) for p in (FEED_FORMAT_VERSION,) + parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _latest(*moments: datetime | None) -> datetime:
    present = [m for m in moments if m is not None]
    return max(present) if present else datetime(2000, 1, 1)


def _as_datetime(value: object) -> datetime | None:
    """SQLite returns aggregates of DateTime columns as strings."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


# Public feed ---------------------------------------------------------------------------------


def parse_public_filters(args: Mapping[str, str]) -> PublicFeedFilters:
    """The public feed's filters from query arguments; raises InvalidFeedFilter for bad values.

    Same meaning as the catalogue: level, partnership (HIPS courses count for every partnership)
    and format, plus `course` (a course slug).
    """
    from ..catalogue.forms import PARTNERSHIP_FILTERS
    from ..models import CourseFormat

    filters: PublicFeedFilters = {}
    level = (args.get("level") or "").strip()
    if level:
        if not level.isdigit() or not 1 <= int(level) <= 6:
            raise InvalidFeedFilter(f"Unknown level: {level!r}")
        filters["level"] = int(level)
    partnership = (args.get("partnership") or "").strip()
    if partnership:
        if partnership not in {choice.value for choice in PARTNERSHIP_FILTERS if choice.value}:
            raise InvalidFeedFilter(f"Unknown partnership: {partnership!r}")
        filters["partnership"] = partnership
    course_format = (args.get("format") or "").strip()
    if course_format:
        if not CourseFormat.includes(course_format):
            raise InvalidFeedFilter(f"Unknown format: {course_format!r}")
        filters["format"] = course_format
    slug = (args.get("course") or "").strip()
    if slug:
        if len(slug) > 220:
            raise InvalidFeedFilter("Unknown course")
        filters["course"] = slug
    return filters


def _public_course_ids(filters: PublicFeedFilters, now: datetime) -> ScalarSelect[int]:
    query = course_query(filters, now)  # which ignores "course"
    if slug := filters.get("course"):
        query = query.where(Course.slug == slug)
    return query.with_only_columns(Course.id).scalar_subquery()


def _public_window(now: datetime) -> ColumnElement[bool]:
    """Upcoming (or running) sessions, and cancelled ones for a while after their start."""
    return or_(
        (CourseSession.status != SessionStatus.CANCELLED) & (CourseSession.ends_at > now),
        (CourseSession.status == SessionStatus.CANCELLED) & (CourseSession.starts_at > now - CANCELLED_KEPT_FOR),
    )


def plan_public_feed(filters: PublicFeedFilters, now: datetime) -> FeedPlan:
    """The public feed's validator and sessions, from aggregate queries only.

    The ETag covers the sessions in the window (count, ids, sequences, last change), the matching
    courses' texts and the trainer assignments and names, so an edit to any of them changes it.
    """
    course_ids = _public_course_ids(filters, now)
    in_window = _public_window(now)
    cutoff = now - CANCELLED_KEPT_FOR
    row = db.session.execute(
        select(
            func.count(case((in_window, CourseSession.id))),
            func.coalesce(func.sum(case((in_window, CourseSession.id))), 0),
            func.coalesce(func.sum(case((in_window, CourseSession.sequence))), 0),
            func.max(CourseSession.updated_at),
            # When the latest session left the window: clients relying on If-Modified-Since
            # must see a newer date once an event drops out.
            func.max(
                case(
                    (
                        (CourseSession.status != SessionStatus.CANCELLED) & (CourseSession.ends_at <= now),
                        CourseSession.ends_at,
                    )
                )
            ),
            func.max(
                case(
                    (
                        (CourseSession.status == SessionStatus.CANCELLED) & (CourseSession.starts_at <= cutoff),
                        CourseSession.starts_at,
                    )
                )
            ),
        ).where(CourseSession.course_id.in_(course_ids))
    ).one()
    count, id_sum, sequence_sum = row[0], row[1], row[2]
    last_update, last_end, last_cancelled_start = (_as_datetime(v) for v in row[3:])
    courses = db.session.execute(
        select(Course.id, Course.title, Course.summary, Course.created_at, Course.archived_at)
        .where(Course.id.in_(course_ids))
        .order_by(Course.id)
    ).all()
    # Every trainer link and name, not only those in this feed: one scan of a small table, and an
    # assignment elsewhere costs clients at most one needless refetch.
    trainers = db.session.execute(
        select(User.id, User.name, func.count(), func.sum(session_trainers.c.session_id))
        .select_from(session_trainers)
        .join(User, User.id == session_trainers.c.user_id)
        .group_by(User.id, User.name)
        .order_by(User.id)
    ).all()
    etag = _digest(
        "public",
        sorted(filters.items()),
        count,
        id_sum,
        sequence_sum,
        last_update,
        [tuple(c) for c in courses],
        [tuple(t) for t in trainers],
    )
    last_modified = _latest(
        last_update,
        last_end,
        last_cancelled_start + CANCELLED_KEPT_FOR if last_cancelled_start else None,
        *(_as_datetime(c.created_at) for c in courses),
        *(_as_datetime(c.archived_at) for c in courses),
    )
    return FeedPlan(etag=etag, last_modified=last_modified)


def public_feed_sessions(filters: PublicFeedFilters, now: datetime) -> list[FeedSession]:
    """The sessions of the public feed (lightweight rows with course and trainers)."""
    return sessions_where((CourseSession.course_id.in_(_public_course_ids(filters, now)), _public_window(now)))


def course_exists(slug: str) -> bool:
    return db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None


# Personal and teaching feeds -----------------------------------------------------------------


def user_for_calendar_token(token: str) -> User | None:
    """The open account whose calendar feed token this is, or None."""
    if not token or len(token) > 64:
        return None
    return db.session.scalars(select(User).where(User.calendar_token == token, User.closed_at.is_(None))).first()


BOOKING_EVENT_STATUS: dict[str, str] = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.ATTENDED: "CONFIRMED",
    BookingStatus.NO_SHOW: "CONFIRMED",
    BookingStatus.WAITLISTED: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
}


def plan_personal_feed(user: User, now: datetime) -> FeedPlan:
    """The sessions of `user`'s bookings feed with the event status of each.

    Confirmed, attended and waiting-list bookings appear (waiting list as TENTATIVE); a cancelled
    session stays as CANCELLED until 30 days after its start; a booking the person cancelled
    stays as CANCELLED for 30 days after the cancellation, so calendar clients remove it.
    Another active booking for the same session always wins over a cancelled one.
    """
    rows = db.session.execute(
        select(
            Booking.id,
            Booking.status,
            Booking.requested_at,
            Booking.confirmed_at,
            Booking.cancelled_at,
            Booking.attendance_recorded_at,
            CourseSession.id,
            CourseSession.status,
            CourseSession.starts_at,
            CourseSession.ends_at,
            CourseSession.updated_at,
            CourseSession.sequence,
        )
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(Booking.user_id == user.id)
        .order_by(Booking.id)
    ).all()
    statuses: dict[int, str | None] = {}
    signature: list[tuple[object, ...]] = []
    moments: list[datetime | None] = []
    cutoff = now - CANCELLED_KEPT_FOR
    for (
        booking_id,
        booking_status,
        requested_at,
        confirmed_at,
        cancelled_at,
        attendance_at,
        session_id,
        session_status,
        starts_at,
        ends_at,
        updated_at,
        sequence,
    ) in rows:
        moments += [requested_at, confirmed_at, cancelled_at, attendance_at, updated_at]
        if booking_status == BookingStatus.CANCELLED:
            if (cancelled_at or starts_at) <= cutoff:
                moments.append((cancelled_at or starts_at) + CANCELLED_KEPT_FOR)
                continue
            if session_id not in statuses:
                statuses[session_id] = "CANCELLED"
        else:
            if session_status == SessionStatus.CANCELLED:
                if starts_at <= cutoff:
                    moments.append(starts_at + CANCELLED_KEPT_FOR)
                    continue
                status = "CANCELLED"
            elif ends_at <= now - HISTORY_KEPT_FOR:
                moments.append(ends_at + HISTORY_KEPT_FOR)
                continue
            else:
                status = BOOKING_EVENT_STATUS[booking_status]
            statuses[session_id] = status
        signature.append((booking_id, booking_status, session_id, session_status, updated_at, sequence))
    return _plan_from_statuses("bookings", user, statuses, signature, moments)


def plan_teaching_feed(user: User, now: datetime) -> FeedPlan:
    """The sessions `user` delivers (as a trainer), cancelled ones kept for 30 days after their start."""
    rows = db.session.execute(
        select(
            CourseSession.id,
            CourseSession.status,
            CourseSession.starts_at,
            CourseSession.ends_at,
            CourseSession.updated_at,
            CourseSession.sequence,
        )
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .where(session_trainers.c.user_id == user.id)
        .order_by(CourseSession.id)
    ).all()
    statuses: dict[int, str | None] = {}
    signature: list[tuple[object, ...]] = []
    moments: list[datetime | None] = []
    for session_id, session_status, starts_at, ends_at, updated_at, sequence in rows:
        moments.append(updated_at)
        if session_status == SessionStatus.CANCELLED:
            if starts_at <= now - CANCELLED_KEPT_FOR:
                moments.append(starts_at + CANCELLED_KEPT_FOR)
                continue
        elif ends_at <= now - HISTORY_KEPT_FOR:
            moments.append(ends_at + HISTORY_KEPT_FOR)
            continue
        statuses[session_id] = None  # the session's own status decides
        signature.append((session_id, session_status, updated_at, sequence))
    return _plan_from_statuses("teaching", user, statuses, signature, moments)


def _plan_from_statuses(
    kind: str,
    user: User,
    statuses: dict[int, str | None],
    signature: list[tuple[object, ...]],
    moments: list[datetime | None],
) -> FeedPlan:
    ids = sorted(statuses)
    courses: Sequence[Row[int, str, str, datetime, datetime | None]] = []
    trainers: Sequence[Row[int, int, str]] = []
    if ids:
        courses = db.session.execute(
            select(Course.id, Course.title, Course.summary, Course.created_at, Course.archived_at)
            .where(Course.id.in_(select(CourseSession.course_id).where(CourseSession.id.in_(ids))))
            .order_by(Course.id)
        ).all()
        trainers = db.session.execute(
            select(session_trainers.c.session_id, User.id, User.name)
            .join(User, User.id == session_trainers.c.user_id)
            .where(session_trainers.c.session_id.in_(ids))
            .order_by(session_trainers.c.session_id, User.id)
        ).all()
        moments += [c.created_at for c in courses] + [c.archived_at for c in courses]
    etag = _digest(kind, user.id, user.name, signature, [tuple(c) for c in courses], [tuple(t) for t in trainers])
    return FeedPlan(etag=etag, last_modified=_latest(*moments), session_ids=ids, statuses=statuses)


# One session ---------------------------------------------------------------------------------


def published_session_or_none(session_id: int) -> CourseSession | None:
    """A session whose course is published (the public download), or None."""
    course_session = db.session.get(CourseSession, session_id)
    if course_session is None or course_session.course.status != CourseStatus.PUBLISHED:
        return None
    return course_session


def plan_session_download(course_session: CourseSession) -> FeedPlan:
    trainers = [(t.id, t.name) for t in course_session.trainers]
    course = course_session.course
    etag = _digest(
        "session",
        course_session.id,
        course_session.status,
        course_session.sequence,
        course_session.updated_at,
        course.title,
        course.summary,
        trainers,
    )
    return FeedPlan(etag=etag, last_modified=course_session.updated_at, session_ids=[course_session.id])


# Tokens --------------------------------------------------------------------------------------


def regenerate_calendar_token(user: User) -> str:
    """Give `user` a new calendar feed token; the old feed URLs stop working (404)."""
    user.calendar_token = new_calendar_token()
    db.session.flush()
    return user.calendar_token
