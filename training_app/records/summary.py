"""The compliance summary (`requirement_completions`): each person's latest qualifying completion per
requirement, kept in the same transaction as the change that moves it.

Compliance for a partnership of 200,000 people used to group a million completions on every page
(0.55 s of a 1.3 s page in bench/compliance_bench.py); the summary turns that into a join. It holds no
rule of its own: every row comes from `completions.latest_completions`, so "what counts" stays in one
place. It is kept by a flush listener (`keep_summary`) rather than by each service, so no writer can
forget it: any ORM change to an attended booking, an e-learning completion, training from elsewhere,
a session's start or course, a course's level or a requirement recomputes the people (or requirement)
concerned after the flush, inside the same transaction. `flask --app wsgi rebuild-compliance-summary`
(and migration 0022) rebuild it whole.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Connection, Table, delete, event, inspect, select
from sqlalchemy.orm import Session

from ..models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    ElearningCompletion,
    ExternalTraining,
    RequirementCompletion,
    TrainingRequirement,
)
from .completions import latest_completions

SUMMARY: Table = RequirementCompletion.__table__  # type: ignore[assignment]

# Recompute people in batches of this many ids (an IN list each statement).
BATCH = 5_000


def _requirements(connection: Connection, ids: Collection[int] | None = None) -> list[TrainingRequirement]:
    """Detached copies of the requirements (only what `latest_completions` reads), from `connection`
    so that this works inside a flush and in a migration."""
    query = select(TrainingRequirement.id, TrainingRequirement.level, TrainingRequirement.course_id)
    if ids is not None:
        query = query.where(TrainingRequirement.id.in_(list(ids)))
    return [TrainingRequirement(id=i, level=level, course_id=course) for i, level, course in connection.execute(query)]


def _insert_latest(connection: Connection, requirement: TrainingRequirement, people: Any = None) -> None:
    latest = latest_completions(requirement, people).subquery("latest")
    connection.execute(
        SUMMARY.insert().from_select(
            ["requirement_id", "user_id", "last_completed_at"],
            select(requirement.id, latest.c.user_id, latest.c.last),  # type: ignore[call-overload]
        )
    )


def rebuild_requirements(connection: Connection, ids: Collection[int] | None = None) -> int:
    """Recompute the summary of the requirements `ids` (every requirement when None) for everyone: one
    DELETE and one INSERT ... SELECT each. Returns how many rows the summary now holds for them."""
    requirements = _requirements(connection, ids)
    table = SUMMARY
    for requirement in requirements:
        connection.execute(delete(table).where(table.c.requirement_id == requirement.id))
        _insert_latest(connection, requirement)
    if ids is None:  # rows of requirements that no longer exist (none, with the foreign key)
        connection.execute(delete(table).where(table.c.requirement_id.not_in([r.id for r in requirements])))
    counted = select(table.c.user_id).where(table.c.requirement_id.in_([r.id for r in requirements]))
    return len(connection.execute(counted).all())


def recompute_people(connection: Connection, user_ids: Iterable[int]) -> None:
    """Recompute every requirement's summary rows of `user_ids` (delete theirs, insert from the rule)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    requirements = _requirements(connection)
    table = SUMMARY
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        connection.execute(delete(table).where(table.c.user_id.in_(batch)))
        for requirement in requirements:
            _insert_latest(connection, requirement, select_ids(batch))


def select_ids(ids: list[int]) -> Any:
    """A select of the literal ids, in the form `latest_completions(people=...)` takes."""
    from ..models import User

    return select(User.id).where(User.id.in_(ids))


def _changed(obj: Any, *names: str) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _old_and_new(obj: Any, name: str) -> set[int]:
    history = inspect(obj).attrs[name].history
    values = {*history.added, *history.deleted, *history.unchanged}
    return {v for v in values if v is not None}


def _was_or_is_attended(booking: Booking) -> bool:
    history = inspect(booking).attrs.status.history
    return BookingStatus.ATTENDED in {*history.added, *history.deleted, *history.unchanged}


class _Changes:
    def __init__(self) -> None:
        self.people: set[int] = set()
        self.sessions: set[int] = set()
        self.requirements: set[int] = set()
        self.level_requirements = False


def _collect(session: Session) -> _Changes:
    changes = _Changes()
    for obj in session.new:
        if isinstance(obj, Booking) and obj.status == BookingStatus.ATTENDED:
            changes.people.add(obj.user_id)
        elif isinstance(obj, ElearningCompletion | ExternalTraining):
            changes.people.add(obj.user_id)
        elif isinstance(obj, TrainingRequirement):
            changes.requirements.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Booking):
            if _changed(obj, "status", "user_id", "session_id") and _was_or_is_attended(obj):
                changes.people |= _old_and_new(obj, "user_id")
        elif isinstance(obj, ElearningCompletion | ExternalTraining):
            fields = ("user_id", "course_id", "completed_at") + (
                ("level",) if isinstance(obj, ExternalTraining) else ()
            )
            if _changed(obj, *fields):
                changes.people |= _old_and_new(obj, "user_id")
        elif isinstance(obj, CourseSession):
            if _changed(obj, "starts_at", "course_id"):
                changes.sessions.add(obj.id)
        elif isinstance(obj, Course):
            if _changed(obj, "level", "level_kind"):
                changes.level_requirements = True
        elif isinstance(obj, TrainingRequirement):
            if _changed(obj, "level", "course_id"):
                changes.requirements.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Booking) and _was_or_is_attended(obj):
            changes.people |= _old_and_new(obj, "user_id")
        elif isinstance(obj, ElearningCompletion | ExternalTraining):
            changes.people |= _old_and_new(obj, "user_id")
    return changes


def _apply(connection: Connection, changes: _Changes) -> None:
    if changes.sessions:
        changes.people |= set(
            connection.scalars(
                select(Booking.user_id).where(
                    Booking.session_id.in_(changes.sessions), Booking.status == BookingStatus.ATTENDED
                )
            )
        )
    requirements = set(changes.requirements)
    if changes.level_requirements:
        requirements |= set(
            connection.scalars(select(TrainingRequirement.id).where(TrainingRequirement.level.is_not(None)))
        )
    if requirements:
        rebuild_requirements(connection, requirements)
    recompute_people(connection, changes.people)


@event.listens_for(Session, "after_flush")
def keep_summary(session: Session, _context: Any) -> None:
    """After every flush: recompute the summary rows the flushed changes move, on the same connection
    (so in the same transaction; a rollback undoes both)."""
    changes = _collect(session)
    if changes.people or changes.sessions or changes.requirements or changes.level_requirements:
        _apply(session.connection(), changes)
