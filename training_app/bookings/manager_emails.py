"""Telling a delegate's line manager about their training (issue 15, point 5): when they book, cancel
or complete a session, if the partnership running it turns this on (Partnership.notify_managers_of_bookings)
and the delegate has named a manager. Courses that need the manager's approval already email them, so a
booking there is not announced twice."""

from __future__ import annotations

from ..contact import team_for_session
from ..extensions import db
from ..mail import compose_email
from ..models import Booking, BookingStatus, OutboxMessage
from .emails import session_url

BOOKED, CANCELLED, COMPLETED = "booked", "cancelled", "completed"
WHAT = {
    BOOKED: "has booked a place on",
    CANCELLED: "has cancelled their booking on",
    COMPLETED: "attended and completed",
}


def tell_manager(booking: Booking, event: str) -> bool:
    """Queue the email to `booking`'s delegate's line manager about `event` (BOOKED, CANCELLED or
    COMPLETED) when the running partnership wants it. Returns whether one was queued."""
    message = manager_email(booking, event)
    if message is not None:
        db.session.add(message)
    return message is not None


def manager_email(booking: Booking, event: str) -> OutboxMessage | None:
    """The email tell_manager queues (not yet added to the session), or None when none is due."""
    course_session = booking.session
    person, partnership = booking.user, course_session.partnership
    if partnership is None or not partnership.notify_managers_of_bookings or not person.manager_email:
        return None
    if event == BOOKED and course_session.course.requires_manager_approval:
        return None  # the approval request has told them
    title = course_session.course.title
    return compose_email(
        person.manager_email,
        "manager_staff_update",
        f"{person.name} {WHAT[event]} {title}",
        booking=booking,
        user=person,
        manager_name=person.manager_name,
        what=WHAT[event],
        waiting=booking.status == BookingStatus.WAITLISTED,
        course_session=course_session,
        course=course_session.course,
        url=session_url(course_session),
        team=team_for_session(course_session),
    )
