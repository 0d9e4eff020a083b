"""The send-reminders job: a reminder email before each confirmed booking's session."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, SessionStatus
from .emails import email_delegate


def send_reminders() -> int:
    """Queue a reminder for each confirmed booking whose session starts within REMINDER_DAYS_BEFORE days.
    Safe to run repeatedly: each booking is reminded once per version of its session. Returns how many."""
    now = clock.now()
    horizon = now + timedelta(days=current_app.config["REMINDER_DAYS_BEFORE"])
    due = db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            CourseSession.starts_at <= horizon,
        )
        .order_by(Booking.id)
    ).all()
    for booking in due:
        email_delegate(
            booking,
            "booking_reminder",
            f"Reminder: {booking.session.course.title}",
            attach_calendar=True,
            dedupe_key=f"reminder:{booking.id}:{booking.session.sequence}",
        )
        booking.reminder_sent_at = now
    db.session.flush()
    return len(due)
