"""Calendar feeds: which sessions each feed holds, their cache validators, and feed tokens.

Each feed is planned in two steps so a poll by a calendar client stays cheap:
1. a small query gives the feed's validator (ETag and Last-Modified); if the client already has
   that version the view answers 304 without loading anything else;
2. otherwise the sessions are loaded with their course and trainers in a fixed number of queries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, ScalarSelect, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from ..bookings.state import calendar_status
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
# Part of every ETag and Last-Modified: bump both when the rendering of events changes, so
# clients refetch (the date must be the day of the change, never later than now).
FEED_FORMAT_VERSION = "3"
FEED_FORMAT_DATE = datetime(2026, 12, 3)


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
    # session id -> SEQUENCE of the person's copy of the event (personal feeds; calendar.person)
    sequences: dict[int, int] = field(default_factory=dict)


def plan_from(
    signature: Sequence[object],
    moments: Iterable[datetime | str | None],
    session_ids: list[int] | None = None,
    statuses: dict[int, str | None] | None = None,
) -> FeedPlan:
    """Both validators from one state: Last-Modified is the latest moment, and the ETag digests
    the feed's content `signature` together with that moment.

    Every change to what a feed shows must stamp a moment it reads (a session's, course's or
    trainer's timestamp, or when an event leaves the feed), and every moment is the time of its
    change: so Last-Modified moves whenever the ETag does and never goes backwards.
    """
    present = [m for m in (_as_datetime(m) for m in moments) if m is not None]
    last_modified = max([FEED_FORMAT_DATE, *present])
    text = "\x1f".join(str(p) for p in (FEED_FORMAT_VERSION, last_modified.isoformat(), *signature))
    etag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return FeedPlan(etag=etag, last_modified=last_modified, session_ids=session_ids or [], statuses=statuses or {})


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
    """The courses whose sessions the public feed lists: the catalogue's query. Filtered by
    partnership, that is every course that counts for it (Course.counts_for), with all its sessions
    whoever runs them: a practitioner subscribing to "HSCP" may book a HIPS course's session run by
    another partnership, as the catalogue's partnership filter shows it."""
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


def _latest(column: InstrumentedAttribute[datetime], *conditions: ColumnElement[bool]) -> ScalarSelect[datetime]:
    """(SELECT max(column) WHERE conditions): an uncorrelated subquery an index on `column` answers."""
    return select(func.max(column)).where(*conditions).scalar_subquery()


def plan_public_feed(filters: PublicFeedFilters, now: datetime) -> FeedPlan:
    """The public feed's validators, from aggregate queries only.

    The content signature covers the sessions in the window (count, ids, sequences), the matching
    courses' texts and the trainer assignments and names. The moments are taken over every
    session, course and trainer, not only this feed's: a course leaves a filtered feed when it is
    changed or when its last upcoming session starts, and that moment must still count after it
    has left (a few needless refetches of a filtered feed are the price).
    """
    course_ids = _public_course_ids(filters, now)
    in_window = _public_window(now)
    cutoff = now - CANCELLED_KEPT_FOR
    # One round trip: the window's sums, and each moment as its own subquery, which an index on the
    # column answers at once (issue 17: two scans of every session were most of a repeat request).
    count, id_sum, sequence_sum, last_update, last_start, last_end, last_cancelled, last_course = db.session.execute(
        select(
            func.count(CourseSession.id),
            func.coalesce(func.sum(CourseSession.id), 0),
            func.coalesce(func.sum(CourseSession.sequence), 0),
            _latest(CourseSession.updated_at),
            # When events left the window (or took their course out of the catalogue's filters).
            _latest(CourseSession.starts_at, CourseSession.starts_at <= now),
            _latest(CourseSession.ends_at, CourseSession.ends_at <= now),
            _latest(CourseSession.starts_at, CourseSession.starts_at <= cutoff),
            _latest(Course.updated_at),
        ).where(CourseSession.course_id.in_(course_ids), in_window)
    ).one()
    courses = db.session.execute(
        select(Course.id, Course.title, Course.summary).where(Course.id.in_(course_ids)).order_by(Course.id)
    ).all()
    # Every trainer link and name, not only those in this feed: one scan of a small table.
    trainers = db.session.execute(
        select(User.id, User.name, func.count(), func.sum(session_trainers.c.session_id), User.calendar_changed_at)
        .select_from(session_trainers)
        .join(User, User.id == session_trainers.c.user_id)
        .group_by(User.id, User.name, User.calendar_changed_at)
        .order_by(User.id)
    ).all()
    cancelled_start = _as_datetime(last_cancelled)
    return plan_from(
        ["public", sorted(filters.items()), count, id_sum, sequence_sum]
        + [tuple(c) for c in courses]
        + [tuple(t[:4]) for t in trainers],
        [
            last_update,
            last_start,
            last_end,
            cancelled_start + CANCELLED_KEPT_FOR if cancelled_start else None,
            last_course,
            *(t.calendar_changed_at for t in trainers),
        ],
    )


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


def plan_personal_feed(user: User, now: datetime) -> FeedPlan:
    """The sessions of `user`'s bookings feed with the event status of each.

    Confirmed, attended and waiting-list bookings appear (waiting list as TENTATIVE); a cancelled
    session stays as CANCELLED until 30 days after its start; a booking the person cancelled
    stays as CANCELLED for 30 days after the cancellation, so calendar clients remove it.
    Another active booking for the same session always wins over a cancelled one. Each event's
    SEQUENCE is the one the person's emails carry (calendar.person), so feed and emails agree.
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
            Booking.calendar_sequence,
        )
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .where(Booking.user_id == user.id)
        .order_by(Booking.id)
    ).all()
    statuses: dict[int, str | None] = {}
    sequences: dict[int, int] = {}
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
        own_sequence,
    ) in rows:
        moments += [requested_at, confirmed_at, cancelled_at, attendance_at, updated_at]
        sequences[session_id] = max(sequences.get(session_id, 0), sequence + own_sequence)
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
                status = calendar_status(booking_status, session_status)
            statuses[session_id] = status
        signature.append((booking_id, booking_status, session_id, session_status, updated_at, sequence, own_sequence))
    plan = _plan_from_statuses("bookings", user, statuses, signature, moments)
    plan.sequences = {session_id: sequences[session_id] for session_id in plan.session_ids}
    return plan


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
    courses: Sequence[Row[int, str, str, datetime]] = []
    trainers: Sequence[Row[int, int, str, datetime]] = []
    if ids:
        courses = db.session.execute(
            select(Course.id, Course.title, Course.summary, Course.updated_at)
            .where(Course.id.in_(select(CourseSession.course_id).where(CourseSession.id.in_(ids))))
            .order_by(Course.id)
        ).all()
        trainers = db.session.execute(
            select(session_trainers.c.session_id, User.id, User.name, User.calendar_changed_at)
            .join(User, User.id == session_trainers.c.user_id)
            .where(session_trainers.c.session_id.in_(ids))
            .order_by(session_trainers.c.session_id, User.id)
        ).all()
    # The owner's own stamp: a teaching feed loses a session when its owner is taken off it.
    moments += [user.calendar_changed_at, *(c.updated_at for c in courses), *(t.calendar_changed_at for t in trainers)]
    return plan_from(
        [kind, user.id, signature, [tuple(c[:3]) for c in courses], [tuple(t[:3]) for t in trainers]],
        moments,
        session_ids=ids,
        statuses=statuses,
    )


# One session ---------------------------------------------------------------------------------


def published_session_or_none(session_id: int) -> CourseSession | None:
    """A session whose course is published (the public download), or None."""
    course_session = db.session.get(CourseSession, session_id)
    if course_session is None or course_session.course.status != CourseStatus.PUBLISHED:
        return None
    return course_session


def plan_session_download(course_session: CourseSession) -> FeedPlan:
    course = course_session.course
    trainers = course_session.trainers
    return plan_from(
        [
            "session",
            course_session.id,
            course_session.status,
            course_session.sequence,
            course.title,
            course.summary,
            [(t.id, t.name) for t in trainers],
        ],
        [course_session.updated_at, course.updated_at, *(t.calendar_changed_at for t in trainers)],
        session_ids=[course_session.id],
    )


# Tokens --------------------------------------------------------------------------------------


def regenerate_calendar_token(user: User) -> str:
    """Give `user` a new calendar feed token; the old feed URLs stop working (404)."""
    user.calendar_token = new_calendar_token()
    db.session.flush()
    return user.calendar_token
