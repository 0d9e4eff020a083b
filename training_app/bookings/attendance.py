"""Training done: the register of a session, and e-learning completions (training without a session)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..models import (
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    CourseStatus,
    ElearningCompletion,
    SessionStatus,
    User,
)
from .errors import BookingError, RegisterNotOpen
from .manager_emails import COMPLETED, tell_manager
from .non_attendance import ask_for_reasons


def record_attendance(actor: User, course_session: CourseSession, marks: dict[int, str]) -> dict[int, dict[str, Any]]:
    """Take the register: `marks` maps booking id -> 'attended' or 'no_show'.

    Only bookings holding a place (confirmed, attended, no_show) of this session can be marked; the
    register opens when the session starts. Returns {booking id: {"before": status, "after": status}}
    for the marks that changed. Raises RegisterNotOpen, BookingError for a stranger's id."""
    if course_session.starts_at > clock.now():
        raise RegisterNotOpen()
    if course_session.status == SessionStatus.CANCELLED:
        raise RegisterNotOpen("This session was cancelled, so there is no register.")
    bookings = {
        b.id: b
        for b in db.session.scalars(
            select(Booking).where(
                Booking.session_id == course_session.id, Booking.status.in_(BookingStatus.HOLDS_PLACE)
            )
        )
    }
    for booking_id, value in marks.items():
        if booking_id not in bookings or value not in BookingStatus.ATTENDANCE:
            raise BookingError("The register included someone who is not booked on this session.")
    changed: dict[int, dict[str, Any]] = {}
    for booking_id, value in marks.items():
        booking = bookings[booking_id]
        if booking.status != value:
            changed[booking_id] = {"before": booking.status, "after": value}
            booking.status = value
            booking.attendance_recorded_at = clock.now()
    if (
        course_session.status == SessionStatus.SCHEDULED
        and course_session.ends_at <= clock.now()
        and all(b.status in BookingStatus.ATTENDANCE for b in bookings.values())
    ):
        course_session.status = SessionStatus.COMPLETED
    record_audit(actor, "register.taken", course_session, session_id=course_session.id, changes=changed)
    db.session.flush()
    for booking_id, change in changed.items():
        if change["after"] == BookingStatus.ATTENDED and change["before"] not in BookingStatus.ATTENDANCE:
            tell_manager(bookings[booking_id], COMPLETED)  # the first mark only, not a correction
    # Everyone newly marked as not attending is asked why (once), and their manager told if wanted.
    ask_for_reasons(
        [bookings[i] for i, change in changed.items() if change["after"] == BookingStatus.NO_SHOW], clock.now()
    )
    return changed


def _completion_of(actor: User, course: Course) -> ElearningCompletion | None:
    return db.session.scalars(
        select(ElearningCompletion).where(
            ElearningCompletion.user_id == actor.id, ElearningCompletion.course_id == course.id
        )
    ).first()


def complete_elearning(actor: User, course: Course) -> tuple[ElearningCompletion, bool]:
    """Record that `actor` completed an e-learning course (once). Returns (completion, created).
    Raises BookingError unless the course is published e-learning."""
    if not course.is_elearning or course.status != CourseStatus.PUBLISHED:
        raise BookingError("Only published e-learning courses can be marked as completed.")
    existing = _completion_of(actor, course)
    if existing:
        return existing, False
    completion = ElearningCompletion(user=actor, course=course, completed_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(completion)
    except IntegrityError:
        # Someone (a double click) recorded it first: theirs stands.
        concurrent = _completion_of(actor, course)
        assert concurrent is not None
        return concurrent, False
    return completion, True
