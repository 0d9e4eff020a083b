"""Who is due which evaluation: every open, unanswered stage, for one person (My training) or for
everyone (the invitation emails), one SQL query per stage; and the address of each form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import url_for
from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists, or_, select, true

from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, ElearningCompletion, EvaluationStage, SessionStatus, User
from ..models.evaluations import EvaluationResponse
from .services import Opening, follow_up_days, pre_course_closes_at


def _no_response(
    stage: str,
    booking_id: SQLColumnExpression[int] | None = None,
    user_id: SQLColumnExpression[int] | None = None,
    course_id: SQLColumnExpression[int] | None = None,
) -> ColumnElement[bool]:
    """No response yet to `stage` for the booking, or (e-learning) for the person and course."""
    if booking_id is not None:
        cond = EvaluationResponse.booking_id == booking_id
    else:
        cond = and_(
            EvaluationResponse.user_id == user_id,
            EvaluationResponse.course_id == course_id,
            EvaluationResponse.booking_id.is_(None),
        )
    return ~exists().where(cond, EvaluationResponse.stage == stage)


def due_openings(at: datetime, user: User | None = None) -> list[Opening]:
    """Every open, unanswered evaluation at `at` (for one user, or everyone): one SQL query per stage."""
    days = follow_up_days()
    openings: list[Opening] = []
    booking_rules: dict[str, ColumnElement[bool]] = {
        EvaluationStage.PRE: and_(
            Booking.status == BookingStatus.CONFIRMED,
            # A postponed session's old date no longer closes it: it stays open until the new date.
            or_(CourseSession.status == SessionStatus.POSTPONED, CourseSession.starts_at > at),
            CourseSession.status != SessionStatus.CANCELLED,
        ),
        EvaluationStage.POST: Booking.status == BookingStatus.ATTENDED,
        EvaluationStage.FOLLOW_UP: and_(
            Booking.status == BookingStatus.ATTENDED, CourseSession.ends_at <= at - timedelta(days=days)
        ),
    }
    for stage, rule in booking_rules.items():
        query = (
            select(Booking, CourseSession)
            .join(CourseSession, Booking.session_id == CourseSession.id)
            .where(rule, _no_response(stage, booking_id=Booking.id))
            .order_by(CourseSession.starts_at, Booking.id)
        )
        if user is not None:
            query = query.where(Booking.user_id == user.id)
        for booking, course_session in db.session.execute(query):
            openings.append(
                Opening(
                    stage,
                    course_session.course,
                    course_session,
                    booking,
                    closes_at=pre_course_closes_at(course_session) if stage == EvaluationStage.PRE else None,
                )
            )
    completion_rules: dict[str, ColumnElement[bool]] = {
        EvaluationStage.POST: true(),
        EvaluationStage.FOLLOW_UP: ElearningCompletion.completed_at <= at - timedelta(days=days),
    }
    for stage, rule in completion_rules.items():
        completions = (
            select(ElearningCompletion)
            .where(
                rule, _no_response(stage, user_id=ElearningCompletion.user_id, course_id=ElearningCompletion.course_id)
            )
            .order_by(ElearningCompletion.completed_at, ElearningCompletion.id)
        )
        if user is not None:
            completions = completions.where(ElearningCompletion.user_id == user.id)
        for completion in db.session.scalars(completions):
            openings.append(Opening(stage, completion.course, completion=completion))
    return openings


def opening_url(opening: Opening, absolute: bool = False) -> str:
    """The address of the evaluation form of `opening`: a path (needs a request context), or with
    `absolute` a full URL on PUBLIC_BASE_URL (for emails)."""
    values: dict[str, Any] = {"stage": opening.stage}
    if opening.booking is not None:
        endpoint, values["booking_id"] = "evaluations.booking_evaluation", opening.booking.id
    else:
        endpoint, values["course_id"] = "evaluations.elearning_evaluation", opening.course.id
    if absolute:
        from ..web import external_url

        return str(external_url(endpoint, **values))
    return url_for(endpoint, **values)


def outstanding_evaluations(user: User, at: datetime | None = None) -> list[Opening]:
    """Open, unanswered evaluations for the My training page.

    Each item has .stage, .stage_label, .course_title, .session (or None), .url and .closes_at
    (None when the stage has no deadline). Needs a request context (for the URLs).
    """
    from .. import clock

    items = due_openings(at or clock.now(), user)
    for item in items:
        item.url = opening_url(item)
    return items
