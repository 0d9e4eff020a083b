"""Interest in a course: asking to be told of dates, being told (first, in the order people asked),
and the head start that gives them to book before booking opens to everyone.

The rule, in one place: when sessions of a course are scheduled (admin.session_services.schedule_series
calls tell_interested once), everyone waiting to hear about the course is emailed, oldest request
first, and marked notified (the row is kept for the demand report). Each new session then opens to
them at once (CourseSession.interest_opens_at) and to everyone else INTEREST_HEAD_START_HOURS later
(booking_opens_at), unless the administrator chose a later opening, the booking window would close
first, or the session starts before then. bookings.services.book_place asks has_head_start.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..contact import team_for_course
from ..errors import DomainError
from ..extensions import db
from ..mail import queue_email
from ..models import Course, CourseInterest, CourseSession, CourseStatus, User
from ..web import external_url


class InterestError(DomainError):
    message = "You cannot ask to be told about this course."


def waiting_interest(user: User, course: Course) -> CourseInterest | None:
    """The person's request to be told of the course's dates, if they have one not yet answered."""
    return db.session.scalars(
        select(CourseInterest).where(
            CourseInterest.user_id == user.id,
            CourseInterest.course_id == course.id,
            CourseInterest.notified_at.is_(None),
        )
    ).first()


def register_interest(actor: User, course: Course) -> CourseInterest:
    """Ask to be told when the course has dates. Asking again while waiting changes nothing.
    Raises InterestError for e-learning (always available) or a course no longer offered."""
    if course.is_elearning:
        raise InterestError("E-learning is available at any time: there are no dates to wait for.")
    if course.status != CourseStatus.PUBLISHED:
        raise InterestError("This course is no longer offered.")
    if existing := waiting_interest(actor, course):
        return existing
    interest = CourseInterest(user_id=actor.id, course_id=course.id, created_at=clock.now())
    try:
        with db.session.begin_nested():  # a double click meets the partial unique index
            db.session.add(interest)
    except IntegrityError:
        existing = waiting_interest(actor, course)
        assert existing is not None
        return existing
    record_audit(actor, "interest.registered", interest, course_id=course.id)
    return interest


def withdraw_interest(actor: User, course: Course) -> bool:
    """Stop waiting to hear about the course (the request is removed). Returns whether there was one."""
    interest = waiting_interest(actor, course)
    if interest is None:
        return False
    db.session.delete(interest)
    db.session.flush()
    record_audit(actor, "interest.withdrawn", None, course_id=course.id)
    return True


def head_start_hours() -> int:
    return int(current_app.config["INTEREST_HEAD_START_HOURS"])


def tell_interested(actor: User, course: Course, sessions: Sequence[CourseSession]) -> list[CourseInterest]:
    """Email everyone waiting to hear about `course` that `sessions` are scheduled, oldest request
    first (one email each, naming every new date), mark them notified, and give them the head start
    (see the module docstring). Returns the requests answered, in the order they were emailed."""
    if not sessions:
        return []
    waiting = list(
        db.session.scalars(
            select(CourseInterest)
            .where(CourseInterest.course_id == course.id, CourseInterest.notified_at.is_(None))
            .order_by(CourseInterest.created_at, CourseInterest.id)
            .with_for_update()
        )
    )
    if not waiting:
        return []
    now = clock.now()
    general_opening = now + timedelta(hours=head_start_hours())
    for course_session in sessions:
        course_session.interest_opens_at = now
        closes_at = course_session.booking_closes_at or course_session.starts_at
        admin_later = course_session.booking_opens_at is not None and course_session.booking_opens_at >= general_opening
        if not admin_later and general_opening < closes_at:
            course_session.booking_opens_at = general_opening
    team = team_for_course(course)
    course_url = external_url("catalogue.course", slug=course.slug)
    dated = sorted(sessions, key=lambda s: s.starts_at)
    for interest in waiting:
        interest.notified_at = now
        queue_email(
            interest.user.email,
            "interest_dates_available",
            f"Dates available: {course.title}",
            dedupe_key=f"interest:{interest.id}",
            user=interest.user,
            course=course,
            sessions=dated,
            course_url=course_url,
            general_opening=min(s.booking_opens_at or now for s in dated),
            team=team,
        )
    db.session.flush()
    record_audit(actor, "interest.notified", None, course_id=course.id, people=len(waiting))
    return waiting


def has_head_start(user: User, course_session: CourseSession) -> bool:
    """Whether the person was told of this session because they had asked (so may book from
    interest_opens_at): a request for its course, made before the session was scheduled, answered."""
    if course_session.interest_opens_at is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    CourseInterest.user_id == user.id,
                    CourseInterest.course_id == course_session.course_id,
                    CourseInterest.notified_at.is_not(None),
                    CourseInterest.created_at <= course_session.created_at,
                )
            )
        )
    )
