"""A person's completions: a derived read over attended sessions, e-learning completed and training
recorded from elsewhere. Nothing is copied: the record always says what the register, the e-learning
completions and the person's own entries say now.

Two forms: `person_completions` (one person, with titles and hours, for their record page) and
`qualifying_completions` (SQL over everyone: the reminder job, and the compliance summary that
records/summary.py keeps from `latest_completions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    case,
    func,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload

from ..clock import to_london
from ..extensions import db
from ..models import (
    Booking,
    BookingStatus,
    CompletionSource,
    Course,
    CourseSession,
    ElearningCompletion,
    ExternalTraining,
    LevelKind,
    TrainingRequirement,
    User,
)


@dataclass(frozen=True)
class Completion:
    """One line of a training record."""

    source: CompletionSource
    source_id: int
    title: str
    course_id: int | None
    # The safeguarding level it gives (core levels only: what prerequisites and requirements count).
    level: int | None
    level_label: str | None
    completed_at: datetime
    hours: float | None
    provider: str | None = None
    external: ExternalTraining | None = None

    @property
    def completed_on(self) -> date:
        return to_london(self.completed_at).date()


def _core_level(course: Course) -> int | None:
    return course.level if course.level_kind == LevelKind.CORE else None


def person_completions(user: User) -> list[Completion]:
    """Everything `user` completed, newest first."""
    rows: list[Completion] = []
    attended = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.session).joinedload(CourseSession.course))
        .where(Booking.user_id == user.id, Booking.status == BookingStatus.ATTENDED)
    )
    for booking in attended:
        s = booking.session
        rows.append(
            Completion(
                CompletionSource.SESSION,
                booking.id,
                s.course.title,
                s.course_id,
                _core_level(s.course),
                s.course.level_label,
                s.starts_at,
                round((s.ends_at - s.starts_at).total_seconds() / 3600, 2),
            )
        )
    for done in db.session.scalars(
        select(ElearningCompletion)
        .options(joinedload(ElearningCompletion.course))
        .where(ElearningCompletion.user_id == user.id)
    ):
        minutes = done.course.duration_minutes
        rows.append(
            Completion(
                CompletionSource.ELEARNING,
                done.id,
                done.course.title,
                done.course_id,
                _core_level(done.course),
                done.course.level_label,
                done.completed_at,
                round(minutes / 60, 2) if minutes else None,
            )
        )
    for external in external_trainings(user):
        rows.append(
            Completion(
                CompletionSource.EXTERNAL,
                external.id,
                external.title,
                external.course_id,
                external.level,
                LevelKind.CORE.describe(external.level) if external.level else None,
                external.completed_at,
                external.hours,
                external.provider,
                external,
            )
        )
    rows.sort(key=lambda c: (c.completed_at, c.source, c.source_id), reverse=True)
    return rows


def external_trainings(user: User) -> Sequence[ExternalTraining]:
    return db.session.scalars(
        select(ExternalTraining)
        .options(joinedload(ExternalTraining.verified_by))
        .where(ExternalTraining.user_id == user.id)
        .order_by(ExternalTraining.completed_at, ExternalTraining.id)
    ).all()


def meets(completion: Completion, requirement: TrainingRequirement) -> bool:
    """Whether one completion counts for `requirement` (`qualifying_completions`, for one loaded row)."""
    if requirement.course_id is not None:
        return completion.course_id == requirement.course_id
    return completion.level is not None and requirement.level is not None and completion.level >= requirement.level


def _branch_conditions(
    requirement: TrainingRequirement, course_id: SQLColumnExpression[Any], level: SQLColumnExpression[Any]
) -> ColumnElement[bool]:
    if requirement.course_id is not None:
        return course_id == requirement.course_id
    return level >= requirement.level


def qualifying_completions(
    requirement: TrainingRequirement, people: Select[Any] | None = None
) -> Select[tuple[int, datetime]]:
    """SQL: (user_id, completed_at) of every completion that counts for `requirement`, from all three
    sources (`meets` is the same rule for one loaded completion); only of `people` (a select of user
    ids) when given, so a count over one organisation reads only its people's completions."""
    core_level = case((Course.level_kind == LevelKind.CORE, Course.level), else_=null())
    sessions = (
        select(Booking.user_id.label("user_id"), CourseSession.starts_at.label("completed_at"))
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(Booking.status == BookingStatus.ATTENDED, _branch_conditions(requirement, Course.id, core_level))
    )
    elearning = (
        select(ElearningCompletion.user_id, ElearningCompletion.completed_at)
        .join(Course, Course.id == ElearningCompletion.course_id)
        .where(_branch_conditions(requirement, Course.id, core_level))
    )
    external = select(ExternalTraining.user_id, ExternalTraining.completed_at).where(
        _branch_conditions(requirement, ExternalTraining.course_id, ExternalTraining.level)
    )
    if people is not None:
        sessions = sessions.where(Booking.user_id.in_(people))
        elearning = elearning.where(ElearningCompletion.user_id.in_(people))
        external = external.where(ExternalTraining.user_id.in_(people))
    return union_all(sessions, elearning, external)  # type: ignore[return-value]


def latest_completions(
    requirement: TrainingRequirement, people: Select[Any] | None = None
) -> Select[tuple[int, datetime]]:
    """SQL: each person's latest qualifying completion for `requirement` (user_id, last)."""
    every = qualifying_completions(requirement, people).subquery("qualifying")
    return select(every.c.user_id, func.max(every.c.completed_at).label("last")).group_by(every.c.user_id)
