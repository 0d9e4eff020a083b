"""The sessions a feed holds, read without the ORM: a public feed carries 5,000 events, and lean
rows with their course, venue and trainers (four queries whatever their number) keep it fast."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, select

from ..extensions import db
from ..models import Course, CourseSession, User, Venue
from ..models.catalogue import session_trainers


def load_sessions(session_ids: Sequence[int]) -> list[FeedSession]:
    """Sessions by id, in start order (lightweight rows with course and trainers)."""
    if not session_ids:
        return []
    return sessions_where((CourseSession.id.in_(session_ids),))


@dataclass(slots=True)
class _FeedCourse:
    title: str
    summary: str


@dataclass(slots=True)
class _FeedTrainer:
    name: str


@dataclass(slots=True)
class _FeedVenue:
    """What an event shows of a venue; the wording is Venue's own (the same properties)."""

    name: str
    address: str
    postcode: str | None
    map_url: str | None
    accessibility_notes: str
    parking_notes: str

    street_lines = Venue.street_lines
    address_lines = Venue.address_lines
    full_address = Venue.full_address
    short_label = Venue.short_label
    map_link = Venue.map_link


# id, starts_at, ends_at, status, sequence, updated_at, venue_id, online_platform, join_url, course_id
_SessionRow = Row[int, datetime, datetime, str, int, datetime, int | None, str | None, str | None, int]


class FeedSession:
    """The attributes of a CourseSession that an event needs, read without the ORM (5,000 per feed)."""

    __slots__ = (
        "id",
        "starts_at",
        "ends_at",
        "status",
        "sequence",
        "updated_at",
        "venue_id",
        "venue",
        "online_platform",
        "join_url",
        "course",
        "trainers",
    )
    location_label = CourseSession.location_label

    id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    sequence: int
    updated_at: datetime
    venue_id: int | None
    venue: _FeedVenue | None
    online_platform: str | None
    join_url: str | None
    course: _FeedCourse
    trainers: list[_FeedTrainer]

    def __init__(
        self, row: _SessionRow, course: _FeedCourse, trainers: list[_FeedTrainer], venue: _FeedVenue | None = None
    ) -> None:
        (
            self.id,
            self.starts_at,
            self.ends_at,
            self.status,
            self.sequence,
            self.updated_at,
            self.venue_id,
            self.online_platform,
            self.join_url,
        ) = row[:9]
        self.course, self.trainers, self.venue = course, trainers, venue


def sessions_where(conditions: Iterable[ColumnElement[bool]]) -> list[FeedSession]:
    """Sessions matching `conditions` in start order, in three queries whatever their number."""
    rows = db.session.execute(
        select(
            CourseSession.id,
            CourseSession.starts_at,
            CourseSession.ends_at,
            CourseSession.status,
            CourseSession.sequence,
            CourseSession.updated_at,
            CourseSession.venue_id,
            CourseSession.online_platform,
            CourseSession.join_url,
            CourseSession.course_id,
        )
        .where(*conditions)
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    if not rows:
        return []
    courses = {
        course_id: _FeedCourse(title=title, summary=summary)
        for course_id, title, summary in db.session.execute(
            select(Course.id, Course.title, Course.summary).where(
                Course.id.in_(select(CourseSession.course_id).where(*conditions))
            )
        )
    }
    trainers: dict[int, list[_FeedTrainer]] = {}
    for session_id, name in db.session.execute(
        select(session_trainers.c.session_id, User.name)
        .join(User, User.id == session_trainers.c.user_id)
        .where(session_trainers.c.session_id.in_(select(CourseSession.id).where(*conditions)))
        .order_by(session_trainers.c.session_id, User.name)
    ):
        trainers.setdefault(session_id, []).append(_FeedTrainer(name=name))
    venues = {
        venue.id: _FeedVenue(
            name=venue.name,
            address=venue.address,
            postcode=venue.postcode,
            map_url=venue.map_url,
            accessibility_notes=venue.accessibility_notes,
            parking_notes=venue.parking_notes,
        )
        for venue in db.session.execute(
            select(
                Venue.id,
                Venue.name,
                Venue.address,
                Venue.postcode,
                Venue.map_url,
                Venue.accessibility_notes,
                Venue.parking_notes,
            ).where(Venue.id.in_(select(CourseSession.venue_id).where(*conditions)))
        )
    }
    return [
        FeedSession(row, courses[row[9]], trainers.get(row[0], []), venues.get(row[6]) if row[6] else None)
        for row in rows
    ]
