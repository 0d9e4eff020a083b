"""One person's copy of a session's event: what their emails carry and what "Add to calendar" gives them.

Every copy of a session's event has the same UID (ics.session_uid), so a later copy replaces an
earlier one in the person's calendar. Its SEQUENCE is the session's (bumped by every change to the
session) plus the largest `Booking.calendar_sequence` of the person's bookings of that session
(bumped by every change to their own booking: booked, moved, promoted, cancelled by them or by the
team; a new booking starts one above their previous ones). Both only grow, so every update a person
is sent is newer than the one before, and the personal feed uses the same number.

Emails carry an iTIP message (RFC 5546): METHOD:REQUEST while the person attends (confirmed,
waiting list as TENTATIVE, postponed as TENTATIVE), METHOD:CANCEL with STATUS:CANCELLED once they no
longer do. The state comes from bookings.state.booking_state, like every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr

from flask import current_app
from icalendar import vCalAddress
from sqlalchemy import select

from ..bookings.state import EVENT_CONFIRMED, BookingState, booking_state
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, User
from .ics import LONDON_VTIMEZONE, NO_STATUS, UID_DOMAIN, _calendar, session_event

REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"


@dataclass(frozen=True)
class PersonEvent:
    """Where a person stands on a session, for their calendar: their latest booking (None if they
    never booked it), its state, and the SEQUENCE of their copy of the event."""

    booking: Booking | None
    state: BookingState | None
    sequence: int

    @property
    def method(self) -> str:
        """The iTIP method of an email about it: REQUEST while they attend, CANCEL once they do not."""
        return REQUEST if self.state is not None and self.state.attends else CANCEL


def person_sequence(course_session: CourseSession, bookings: Sequence[Booking]) -> int:
    """The SEQUENCE of a person's copy of the session's event, given their bookings of it."""
    return (course_session.sequence or 0) + max((b.calendar_sequence or 0 for b in bookings), default=0)


def person_event(user_id: int, course_session: CourseSession, at: datetime) -> PersonEvent:
    """Where `user_id` stands on `course_session` at `at`: their active booking if any, else their latest."""
    bookings = db.session.scalars(
        select(Booking).where(Booking.user_id == user_id, Booking.session_id == course_session.id).order_by(Booking.id)
    ).all()
    if not bookings:
        return PersonEvent(None, None, course_session.sequence or 0)
    latest = next((b for b in reversed(bookings) if b.status in BookingStatus.ACTIVE), bookings[-1])
    return PersonEvent(latest, booking_state(latest, at), person_sequence(course_session, bookings))


def person_calendar(
    user: User, course_session: CourseSession, at: datetime, method: str | None = None
) -> tuple[str, str]:
    """(METHOD, iCalendar text) of `user`'s copy of the session's event at `at`.

    Without `method` it is the iTIP message an email carries (REQUEST or CANCEL, with ORGANIZER and
    ATTENDEE as RFC 5546 asks); with PUBLISH it is a download. The join link is only in the copy of
    someone with a confirmed place; someone without a booking gets the session with no STATUS.
    """
    where = person_event(user.id, course_session, at)
    method = method or where.method
    status = where.state.calendar if where.state is not None else NO_STATUS
    event = session_event(
        course_session,
        include_join_url=status == EVENT_CONFIRMED,
        status=status,
        sequence=where.sequence,
    )
    if method in (REQUEST, CANCEL):
        name, address = parseaddr(current_app.config["MAIL_FROM"])
        organizer = vCalAddress(f"mailto:{address}")
        organizer.params["CN"] = name or current_app.config["SERVICE_NAME"]
        event.add("ORGANIZER", organizer)
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params.update({"CN": user.name, "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"})
        event.add("ATTENDEE", attendee)
    cal = _calendar(course_session.course.title, f"calendar-session-{course_session.id}@{UID_DOMAIN}", method)
    cal.add_component(LONDON_VTIMEZONE)
    cal.add_component(event)
    return method, cal.to_ical().decode("utf-8")


def person_calendar_for(user_id: int, session_id: int, at: datetime) -> tuple[str, str] | None:
    """person_calendar by ids (the mail worker renders attachments when it sends), None if either is gone."""
    user = db.session.get(User, user_id)
    course_session = db.session.get(CourseSession, session_id)
    if user is None or course_session is None:
        return None
    return person_calendar(user, course_session, at)
