"""A delegate's safeguarding level, from their record: what course prerequisites are checked against."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    ElearningCompletion,
    ExternalTraining,
    LevelKind,
    User,
)


def completed_level(user: User) -> int:
    """The highest safeguarding level the person has completed, from their record."""
    attended = db.session.scalar(
        select(func.max(Course.level))
        .join(CourseSession, CourseSession.course_id == Course.id)
        .join(Booking, Booking.session_id == CourseSession.id)
        .where(
            Booking.user_id == user.id, Booking.status == BookingStatus.ATTENDED, Course.level_kind == LevelKind.CORE
        )
    )
    elearning = db.session.scalar(
        select(func.max(Course.level))
        .join(ElearningCompletion, ElearningCompletion.course_id == Course.id)
        .where(ElearningCompletion.user_id == user.id, Course.level_kind == LevelKind.CORE)
    )
    # Training recorded from elsewhere (training_app/records) counts as the person recorded it.
    external = db.session.scalar(select(func.max(ExternalTraining.level)).where(ExternalTraining.user_id == user.id))
    levels = [lvl for lvl in (attended, elearning, external, user.external_level_completed) if lvl]
    return max(levels) if levels else 0


def missing_level(user: User, course: Course) -> int | None:
    """The level the course asks for first, if the person has not completed it (else None). The session
    page asks this before showing the booking form; book_place asks it again."""
    needed = course.prerequisite_min_level
    return needed if needed and completed_level(user) < needed else None
