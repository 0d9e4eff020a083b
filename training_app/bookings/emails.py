"""Emails to delegates about their bookings, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from .. import clock
from ..contact import team_for_session
from ..extensions import db
from ..mail import compose_email
from ..models import Booking, CourseSession, OutboxMessage
from ..web import external_url
from .state import booking_state


def session_url(course_session: CourseSession) -> str:
    """The public address of the session's page (for emails)."""
    return external_url("catalogue.session_detail", session_id=course_session.id)


def email_delegate(
    booking: Booking,
    template: str,
    subject: str,
    attach_calendar: bool = False,
    dedupe_key: str | None = None,
    also_calendar_of: CourseSession | None = None,
    **context: Any,
) -> None:
    """Queue the email delegate_email makes, in the caller's transaction."""
    db.session.add(delegate_email(booking, template, subject, attach_calendar, dedupe_key, also_calendar_of, **context))


def delegate_email(
    booking: Booking,
    template: str,
    subject: str,
    attach_calendar: bool = False,
    dedupe_key: str | None = None,
    also_calendar_of: CourseSession | None = None,
    **context: Any,
) -> OutboxMessage:
    """An email about `booking` to its delegate. With `attach_calendar` it carries the delegate's
    own copy of the session's event (calendar.person: REQUEST while they attend, CANCEL once they do
    not), and `also_calendar_of` adds their copy of another session's event (a move cancels the old).

    The events are rendered when the mail is sent (training_app.mail), outside the booking lock, from
    what is true then: a later change never arrives before an earlier one's newer SEQUENCE.
    """
    course_session = booking.session
    attachments: list[dict[str, Any]] = []
    calendar_sessions = ([course_session] if attach_calendar else []) + ([also_calendar_of] if also_calendar_of else [])
    for number, each in enumerate(calendar_sessions):
        attachments.append(
            {
                "filename": "session.ics" if number == 0 else f"session-{each.id}.ics",
                "content_type": "text/calendar",  # with the method it needs, decided when sent
                "person_ics": {"user_id": booking.user_id, "session_id": each.id},
            }
        )
    return compose_email(
        booking.user.email,
        template,
        subject,
        attachments=attachments,
        dedupe_key=dedupe_key,
        booking=booking,
        user=booking.user,
        course_session=course_session,
        course=course_session.course,
        url=session_url(course_session),
        team=team_for_session(course_session),
        state=booking_state(booking, clock.now()),
        **context,
    )
