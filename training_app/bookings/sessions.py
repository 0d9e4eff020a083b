"""Whole-session operations: cancelling or postponing a session, and telling its delegates of a change.

Each one that changes the session locks it first (services.lock_session), like every other change to
who holds a place, and bumps the calendar SEQUENCE so calendars update the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, SessionStatus, User
from .emails import email_delegate
from .errors import SessionNotBookable
from .services import lock_known_session


def _active_bookings(course_session: CourseSession) -> Sequence[Booking]:
    """The bookings that still hold or wait for a place on the session."""
    return db.session.scalars(
        select(Booking).where(Booking.session_id == course_session.id, Booking.status.in_(BookingStatus.OPEN))
    ).all()


def cancel_session(actor: User, course_session: CourseSession, reason: str) -> Sequence[Booking]:
    """Cancel a session: every active booking is cancelled and each delegate is told.
    The calendar SEQUENCE increases so calendars remove the event. Returns the cancelled bookings.
    Raises SessionNotBookable if it is already cancelled."""
    course_session = lock_known_session(course_session.id)
    if course_session.status == SessionStatus.CANCELLED:
        raise SessionNotBookable("This session is already cancelled.")
    now = clock.now()
    course_session.status = SessionStatus.CANCELLED
    course_session.sequence += 1
    affected = _active_bookings(course_session)
    for booking in affected:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by_id = actor.id
        booking.cancel_reason = reason
        email_delegate(
            booking,
            "session_cancelled",
            f"Session cancelled: {course_session.course.title}",
            attach_calendar=True,
            reason=reason,
        )
    record_audit(
        actor,
        "session.cancelled",
        course_session,
        session_id=course_session.id,
        reason=reason,
        bookings_cancelled=len(affected),
    )
    db.session.flush()
    return affected


def postpone_session(
    actor: User,
    course_session: CourseSession,
    reason: str,
    new_starts_at: datetime | None = None,
    new_ends_at: datetime | None = None,
) -> CourseSession:
    """Postpone a session. With a new date it is rescheduled (status scheduled, bookings kept for the
    new date); without one it is marked postponed (bookings kept, booking paused). Every delegate is told.
    Raises SessionNotBookable (on the new_date field) for a cancelled or completed session or a bad date."""
    course_session = lock_known_session(course_session.id)
    if course_session.status in (SessionStatus.CANCELLED, SessionStatus.COMPLETED):
        raise SessionNotBookable(f"A {course_session.status} session cannot be postponed.", field="new_date")
    before = {"starts_at": course_session.starts_at, "ends_at": course_session.ends_at, "status": course_session.status}
    if new_starts_at:
        if new_ends_at is None or new_ends_at <= new_starts_at:
            raise SessionNotBookable("The new end time must be after the new start time.", field="new_date")
        if new_starts_at <= clock.now():
            raise SessionNotBookable("The new date must be in the future.", field="new_date")
        course_session.starts_at, course_session.ends_at = new_starts_at, new_ends_at
        course_session.status = SessionStatus.SCHEDULED
        # Reminders go out again for the new date.
        db.session.execute(update(Booking).where(Booking.session_id == course_session.id).values(reminder_sent_at=None))
        if course_session.booking_closes_at and course_session.booking_closes_at > new_starts_at:
            course_session.booking_closes_at = new_starts_at
    else:
        course_session.status = SessionStatus.POSTPONED
    course_session.sequence += 1
    db.session.flush()
    record_audit(
        actor,
        "session.postponed",
        course_session,
        session_id=course_session.id,
        reason=reason,
        before=before,
        after={
            "starts_at": course_session.starts_at,
            "ends_at": course_session.ends_at,
            "status": course_session.status,
        },
    )
    _notify_delegates(
        course_session,
        "session_changed",
        f"Session postponed: {course_session.course.title}",
        reason=reason,
        postponed=True,
    )
    return course_session


def notify_session_changed(actor: User, course_session: CourseSession, changed_fields: Iterable[str]) -> None:
    """Tell every delegate that the time or place of their session changed (called after an edit that
    has already bumped the calendar SEQUENCE)."""
    fields = sorted(changed_fields)
    record_audit(actor, "session.changed_notified", course_session, session_id=course_session.id, fields=fields)
    _notify_delegates(
        course_session,
        "session_changed",
        f"Session changed: {course_session.course.title}",
        reason=None,
        postponed=False,
        changed_fields=fields,
    )


def _notify_delegates(course_session: CourseSession, template: str, subject: str, **context: Any) -> Sequence[Booking]:
    """Email everyone with an active booking, with their updated copy of the calendar event."""
    bookings = _active_bookings(course_session)
    for booking in bookings:
        email_delegate(booking, template, subject, attach_calendar=True, **context)
    return bookings
