"""The training team's tools on one session: book someone on their behalf, and email its delegates.

Booking on someone's behalf goes through book_place, so every rule (prerequisites, the booking window,
capacity and the waiting list) is the same as when the person books; the audit trail records who did it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..audit import record_audit
from ..contact import team_for_session
from ..extensions import db
from ..mail import queue_email
from ..models import Booking, BookingStatus, CourseSession, User
from ..models.vocabulary import MessageAudience as Audience
from .emails import session_url
from .errors import AlreadyBooked, BookingError, PrerequisiteMissing
from .services import BookingResult, book_place

AUDIENCE_STATUSES = {
    Audience.PLACES: (BookingStatus.CONFIRMED,),
    Audience.WAITING_LIST: (BookingStatus.WAITLISTED,),
    Audience.EVERYONE: (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED),
}


class NoSuchPerson(BookingError):
    def __init__(self) -> None:
        super().__init__(
            "No open account has this email address. Ask the person to create an account first.", field="email"
        )


class NobodyToEmail(BookingError):
    def __init__(self) -> None:
        super().__init__("Nobody on this session is in the group you chose.", field="audience")


def book_on_behalf(actor: User, person: User | None, session_id: int, access_needs: str | None = None) -> BookingResult:
    """Book `person` onto the session for them: the same rules and emails as their own booking, with the
    actor named in the audit trail and in the email."""
    if person is None or person.closed_at is not None:
        raise NoSuchPerson()
    try:
        return book_place(person, session_id, access_needs, booked_by=actor)
    except AlreadyBooked:
        raise BookingError(f"{person.name} already has a booking for this session.", field="email") from None
    except PrerequisiteMissing:
        needed = db.session.get(CourseSession, session_id)
        level = needed.course.prerequisite_min_level if needed else None
        raise BookingError(
            f"{person.name} has not completed Level {level} safeguarding children training, which this course "
            "needs first. If they completed it elsewhere, they can record it on their account.",
            field="email",
        ) from None


def recipients(course_session: CourseSession, audience: Audience) -> Sequence[Booking]:
    return db.session.scalars(
        select(Booking)
        .where(Booking.session_id == course_session.id, Booking.status.in_(AUDIENCE_STATUSES[audience]))
        .order_by(Booking.requested_at, Booking.id)
    ).all()


def email_session(actor: User, course_session: CourseSession, audience: Audience, subject: str, message: str) -> int:
    """Queue the message to each person in the audience (through the outbox), audit it; returns how many."""
    bookings = recipients(course_session, audience)
    if not bookings:
        raise NobodyToEmail()
    for booking in bookings:
        queue_email(
            booking.user.email,
            "session_message",
            subject,
            user=booking.user,
            booking=booking,
            course_session=course_session,
            course=course_session.course,
            url=session_url(course_session),
            message=message,
            sender=actor,
            team=team_for_session(course_session),
        )
    record_audit(
        actor,
        "session.emailed",
        course_session,
        session_id=course_session.id,
        audience=audience.label,
        subject=subject,
        recipients=len(bookings),
    )
    db.session.flush()
    return len(bookings)
