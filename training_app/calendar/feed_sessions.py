"""The sessions a feed holds, read without the ORM: a public feed carries 5,000 events, and lean
rows with their course and trainers (three queries whatever their number) keep it fast."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, select

from ..extensions import db
from ..models import Course, CourseSession, User
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


# id, starts_at, ends_at, status, sequence, updated_at, venue, online_platform, join_url, course_id
_SessionRow = Row[int, datetime, datetime, str, int, datetime, str | None, str | None, str | None, int]


class FeedSession:
    """The attributes of a CourseSession that an event needs, read without the ORM (5,000 per feed)."""

    __slots__ = (
        "id",
        "starts_at",
        "ends_at",
        "status",
        "sequence",
        "updated_at",
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
    venue: str | None
    online_platform: str | None
    join_url: str | None
    course: _FeedCourse
    trainers: list[_FeedTrainer]

    def __init__(self, row: _SessionRow, course: _FeedCourse, trainers: list[_FeedTrainer]) -> None:
        (
            self.id,
            self.starts_at,
            self.ends_at,
            self.status,
            self.sequence,
            self.updated_at,
            self.venue,
            self.online_platform,
            self.join_url,
        ) = row[:9]
        self.course, self.trainers = course, trainers


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
            CourseSession.venue,
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
    return [FeedSession(row, courses[row[9]], trainers.get(row[0], [])) for row in rows]
