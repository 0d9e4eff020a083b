"""Emails to delegates about their bookings, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from ..contact import team_for_session
from ..mail import queue_email
from ..models import Booking, CourseSession
from ..web import external_url


def session_url(course_session: CourseSession) -> str:
    """The public address of the session's page (for emails)."""
    return external_url("catalogue.session_detail", session_id=course_session.id)


def email_delegate(
    booking: Booking,
    template: str,
    subject: str,
    attach_calendar: bool = False,
    dedupe_key: str | None = None,
    **context: Any,
) -> None:
    """Queue an email about `booking` to its delegate, with the session's calendar event if asked."""
    course_session = booking.session
    attachments: list[dict[str, Any]] = []
    if attach_calendar:
        # Rendered when the mail is sent (training_app.mail), outside the booking lock, and then
        # carries the session's latest SEQUENCE.
        attachments.append(
            {
                "filename": "session.ics",
                "content_type": "text/calendar; method=PUBLISH",
                "session_ics": {"session_id": course_session.id, "include_join_url": True},
            }
        )
    queue_email(
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
        **context,
    )
