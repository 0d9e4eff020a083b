"""Non-attendance follow-up: when the register first marks someone as not attending, they are emailed a
request for the reason, which they answer by a signed link (no sign-in needed); if the partnership
running the session turns it on, their line manager is told too. Asked once per booking, whatever
happens to the register afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from .. import clock
from ..audit import record_audit
from ..contact import team_for_session
from ..errors import DomainError
from ..extensions import db
from ..mail import queue_email
from ..models import AgencyLead, Booking, BookingStatus, User
from ..web import external_url
from .emails import email_delegate, session_url

NO_SHOW_TOKEN_SALT = "no-show-reason"
MAX_REASON = 1000


class ReasonNotWanted(DomainError):
    message = "This booking is no longer marked as not attended, so there is nothing to explain."


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=NO_SHOW_TOKEN_SALT)


def make_reason_token(booking: Booking) -> str:
    asked = booking.no_show_asked_at.isoformat() if booking.no_show_asked_at else ""
    return _serializer().dumps([booking.id, asked])


def booking_for_reason_token(token: str) -> Booking | None:
    """The booking a reason link is for, or None when the link is not valid."""
    try:
        booking_id, asked = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(booking_id, int) or not 0 < booking_id < 2**31:
        return None
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.no_show_asked_at is None or booking.no_show_asked_at.isoformat() != asked:
        return None
    return booking


def ask_for_reasons(bookings: Iterable[Booking], now: datetime) -> int:
    """Email each booking newly marked as not attended (once per booking) asking why, and, where the
    running partnership says so, tell the delegate's line manager. Returns how many were asked."""
    asked = 0
    for booking in bookings:
        if booking.status != BookingStatus.NO_SHOW or booking.no_show_asked_at is not None:
            continue
        booking.no_show_asked_at = now.replace(microsecond=0)
        db.session.flush()
        course_session = booking.session
        title = course_session.course.title
        email_delegate(
            booking,
            "no_show_reason_request",
            f"You did not attend {title}: please tell us why",
            reason_url=external_url("bookings.no_show_reason", token=make_reason_token(booking)),
        )
        person = booking.user
        partnership = course_session.partnership
        if partnership is not None and partnership.notify_managers_of_no_shows:
            # Their line manager, and their organisation's agency training leads.
            told = [(person.manager_name, person.manager_email)] if person.manager_email else []
            told += [(lead.name, lead.email) for lead in _leads_of(person)]
            for name, address in told:
                queue_email(
                    address,
                    "manager_no_show",
                    f"{person.name} did not attend {title}",
                    booking=booking,
                    user=person,
                    manager_name=name,
                    course_session=course_session,
                    course=course_session.course,
                    url=session_url(course_session),
                    team=team_for_session(course_session),
                )
        record_audit(None, "booking.no_show_asked", booking, session_id=course_session.id)
        asked += 1
    return asked


def _leads_of(person: User) -> list[User]:
    """The agency training leads of `person`'s organisation (open accounts, not the person)."""
    if person.agency_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(AgencyLead, AgencyLead.user_id == User.id)
            .where(AgencyLead.agency_id == person.agency_id, User.closed_at.is_(None), User.id != person.id)
            .order_by(User.id)
        )
    )


def give_reason(booking: Booking, reason: str) -> Booking:
    """The delegate's reason for not attending (replacing an earlier answer). Raises ReasonNotWanted if
    the register no longer says they did not attend."""
    if booking.status != BookingStatus.NO_SHOW:
        raise ReasonNotWanted()
    booking.no_show_reason = reason[:MAX_REASON]
    booking.no_show_reason_at = clock.now()
    db.session.flush()
    record_audit(None, "booking.no_show_reason_given", booking, session_id=booking.session_id)
    return booking
