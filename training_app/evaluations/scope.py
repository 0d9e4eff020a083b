"""What an evaluation summary covers (Scope) and the SQL conditions that restrict data to it.

A partnership's answers: those about sessions it ran (CourseSession.partnership_id, as the reports
count sessions and delegates), and, for e-learning, which has no session, those about courses that
count for it (Course.counts_for: owner, joint, HIPS).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, exists, or_, select
from sqlalchemy.orm.util import AliasedClass

from ..models import Agency, Booking, Course, CourseSession, ElearningCompletion, User
from ..models.catalogue import session_trainers
from ..models.evaluations import EvaluationResponse


@dataclass
class Scope:
    """What a summary covers. Dates are naive UTC; date_to is exclusive."""

    session_id: int | None = None
    course_id: int | None = None
    trainer_id: int | None = None
    partnership_id: int | None = None
    agency_id: int | None = None
    sector: str | None = None
    level: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    date_basis: str = "session"  # "session" (session start) or "submitted"
    course_ids: frozenset[int] | None = None  # only these courses (the annual pack's linked courses)


def _course_ids(scope: Scope, by_partnership: bool = True) -> Select[int] | None:
    """A subquery of course ids for the level filter and (when `by_partnership`) the courses that
    count for the partnership, or None when there is nothing to filter."""
    conds: list[ColumnElement[bool]] = []
    if scope.partnership_id and by_partnership:
        conds.append(Course.counts_for(scope.partnership_id))
    if scope.level:
        conds.append(Course.level == scope.level)
    return select(Course.id).where(*conds) if conds else None


def _run_by(scope: Scope) -> Select[int]:
    """A subquery of the ids of the sessions the scope's partnership ran."""
    return select(CourseSession.id).where(CourseSession.partnership_id == scope.partnership_id)


def response_filters(
    R: type[EvaluationResponse] | AliasedClass[EvaluationResponse], scope: Scope
) -> list[ColumnElement[bool]]:
    """WHERE conditions restricting EvaluationResponse (or an alias of it) R to the scope."""
    conds: list[ColumnElement[bool]] = []
    if scope.session_id:
        conds.append(R.session_id == scope.session_id)
    if scope.course_id:
        conds.append(R.course_id == scope.course_id)
    if scope.course_ids is not None:
        conds.append(R.course_id.in_(scope.course_ids))
    if scope.trainer_id:
        conds.append(
            exists().where(
                session_trainers.c.session_id == R.session_id, session_trainers.c.user_id == scope.trainer_id
            )
        )
    courses = _course_ids(scope, by_partnership=False)
    if courses is not None:
        conds.append(R.course_id.in_(courses))
    if scope.partnership_id:
        # Session answers by the partnership that ran the session; e-learning answers (no session)
        # by the courses that count for it.
        counting = select(Course.id).where(Course.counts_for(scope.partnership_id))
        conds.append(or_(R.session_id.in_(_run_by(scope)), and_(R.session_id.is_(None), R.course_id.in_(counting))))
    if scope.agency_id:
        conds.append(R.agency_id == scope.agency_id)
    if scope.sector:
        conds.append(R.sector == scope.sector)
    if scope.date_from or scope.date_to:
        if scope.date_basis == "submitted":
            conds.extend(_between(R.submitted_at, scope))
        else:
            sessions = select(CourseSession.id).where(*_between(CourseSession.starts_at, scope))
            conds.append(
                or_(R.session_id.in_(sessions), and_(R.session_id.is_(None), *_between(R.submitted_at, scope)))
            )
    return conds


def _between(column: SQLColumnExpression[datetime], scope: Scope) -> list[ColumnElement[bool]]:
    """`column` within the scope's dates (from inclusive, to exclusive)."""
    conds: list[ColumnElement[bool]] = []
    if scope.date_from:
        conds.append(column >= scope.date_from)
    if scope.date_to:
        conds.append(column < scope.date_to)
    return conds


def booking_filters(scope: Scope) -> list[ColumnElement[bool]]:
    """Conditions on Booking joined to CourseSession."""
    conds: list[ColumnElement[bool]] = []
    if scope.session_id:
        conds.append(Booking.session_id == scope.session_id)
    if scope.course_id:
        conds.append(CourseSession.course_id == scope.course_id)
    if scope.trainer_id:
        conds.append(
            exists().where(
                session_trainers.c.session_id == Booking.session_id, session_trainers.c.user_id == scope.trainer_id
            )
        )
    courses = _course_ids(scope, by_partnership=False)
    if courses is not None:
        conds.append(CourseSession.course_id.in_(courses))
    if scope.partnership_id:
        conds.append(CourseSession.partnership_id == scope.partnership_id)
    if scope.agency_id:
        conds.append(Booking.agency_id == scope.agency_id)
    if scope.sector:
        conds.append(Booking.agency_id.in_(select(Agency.id).where(Agency.sector == scope.sector)))
    conds.extend(_between(CourseSession.starts_at, scope))
    return conds


def completion_filters(scope: Scope) -> list[ColumnElement[bool]] | None:
    """Conditions on ElearningCompletion; None when the scope excludes e-learning (a session or trainer)."""
    if scope.session_id or scope.trainer_id:
        return None
    conds: list[ColumnElement[bool]] = []
    if scope.course_id:
        conds.append(ElearningCompletion.course_id == scope.course_id)
    courses = _course_ids(scope)
    if courses is not None:
        conds.append(ElearningCompletion.course_id.in_(courses))
    if scope.agency_id or scope.sector:
        users = select(User.id)
        if scope.agency_id:
            users = users.where(User.agency_id == scope.agency_id)
        if scope.sector:
            users = users.where(User.agency_id.in_(select(Agency.id).where(Agency.sector == scope.sector)))
        conds.append(ElearningCompletion.user_id.in_(users))
    conds.extend(_between(ElearningCompletion.completed_at, scope))
    return conds
