"""What happens to the first person waiting when a place on a session frees: the offer rule, the
signed link that answers an offer, and giving the place (confirmed at once, or offered for a while).

The session must already be locked (services.lock_session) by whoever frees the place; answering and
expiring offers lives in .offers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, SessionStatus, User
from ..timefmt import london_datetime
from ..web import external_url
from .approvals import request_approval
from .emails import email_delegate

OFFER_TOKEN_SALT = "waiting-list-offer"


@dataclass(frozen=True)
class PlaceTerms:
    """How a freed place goes to the first person waiting: confirmed at once (expires_at None), or
    offered until expires_at (naive UTC)."""

    expires_at: datetime | None = None

    @property
    def confirm_now(self) -> bool:
        return self.expires_at is None


def place_terms(course_session: CourseSession, now: datetime) -> PlaceTerms | None:
    """The offer rule, in one place: how a place freed on `course_session` at `now` goes to the first
    person waiting, or None if it does not go to anyone (the session is not scheduled, or has started).

    - The session starts more than AUTO_CONFIRM_DAYS days from now (a setting; 0 turns this off):
      the place is confirmed at once. So far ahead the person can still cancel online, and most
      people still want the place they queued for.
    - Otherwise the place is offered and held for OFFER_HOURS (48), but at most half the time left
      before the session starts, so the next person waiting still has time if it is declined or runs out.
    - Never less than OFFER_MIN_HOURS (2), or until the session starts if that is sooner: an offer
      made three hours before the start lasts two hours; one made an hour before lasts until the start.
      No offer ever runs past the start (expire-offers passes on what is left at that moment, and a
      session that has started offers nothing).
    """
    if course_session.status != SessionStatus.SCHEDULED or course_session.starts_at <= now:
        return None
    left = course_session.starts_at - now
    config = current_app.config
    auto_days = int(config["AUTO_CONFIRM_DAYS"])
    if auto_days > 0 and left > timedelta(days=auto_days):
        return PlaceTerms()
    length = min(timedelta(hours=int(config["OFFER_HOURS"])), left / 2)
    length = max(length, min(timedelta(hours=int(config["OFFER_MIN_HOURS"])), left))
    # Whole seconds: the expiry is part of the signed link, and must read back the same from the database.
    return PlaceTerms(expires_at=(now + length).replace(microsecond=0))


def waiting_list(session_id: int) -> Sequence[Booking]:
    """Waitlisted bookings in the order people asked."""
    return db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.requested_at, Booking.id)
    ).all()


def waitlist_position(booking: Booking) -> int:
    """1-based place on the waiting list, in the order people asked."""
    ahead = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITLISTED,
            or_(
                Booking.requested_at < booking.requested_at,
                and_(Booking.requested_at == booking.requested_at, Booking.id < booking.id),
            ),
        )
    )
    return (ahead or 0) + 1


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=OFFER_TOKEN_SALT)


def make_offer_token(booking: Booking) -> str:
    """The signed token of the link that answers `booking`'s offer. It carries the offer's expiry, so a
    link from an earlier offer (or to a booking that is no longer offered) opens nothing."""
    assert booking.offer_expires_at is not None
    return _serializer().dumps({"b": booking.id, "e": booking.offer_expires_at.isoformat()})


def booking_for_offer_token(token: str) -> Booking | None:
    """The booking whose current offer `token` answers, or None if the token is forged, malformed, or
    from another offer. The offer may still have run out: the caller says so."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("b"), int) or not isinstance(data.get("e"), str):
        return None
    booking = db.session.get(Booking, data["b"])
    if booking is None or booking.offer_expires_at is None or booking.offer_expires_at.isoformat() != data["e"]:
        return None
    return booking


def offer_url(booking: Booking) -> str:
    """The absolute address of the page that answers `booking`'s offer (for emails)."""
    return external_url("bookings.offer", token=make_offer_token(booking))


def give_place(actor: User | None, booking: Booking, terms: PlaceTerms, now: datetime) -> Booking:
    """Give the waiting `booking` a freed place on `terms` (the session is locked by the caller):
    confirm it and say "you have a place", or offer it and say until when and how to answer.
    Audited as booking.promoted or booking.offered."""
    course_session = booking.session
    title = course_session.course.title
    if course_session.course.requires_manager_approval:
        # The manager's approval takes the place of confirming or offering: the place is held for it.
        return request_approval(actor, booking, now)
    if terms.confirm_now:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.offer_expires_at = None
        booking.calendar_sequence += 1  # their calendar copy turns from tentative to confirmed
        db.session.flush()
        record_audit(actor, "booking.promoted", booking, session_id=course_session.id)
        email_delegate(booking, "booking_promoted", f"You have a place: {title}", attach_calendar=True)
        return booking
    booking.status = BookingStatus.OFFERED
    booking.offer_expires_at = terms.expires_at
    booking.calendar_sequence += 1
    db.session.flush()
    record_audit(actor, "booking.offered", booking, session_id=course_session.id, expires_at=terms.expires_at)
    email_delegate(
        booking,
        "booking_offered",
        f"A place is free for you, accept by {london_datetime(terms.expires_at)}: {title}",
        attach_calendar=True,  # tentative until they accept
        offer_url=offer_url(booking),
        expires_at=terms.expires_at,
    )
    return booking


def fill_free_places(actor: User | None, course_session: CourseSession, free: int) -> list[Booking]:
    """Give up to `free` places to the people waiting, first come first served, on the terms of
    place_terms (the session must be locked, and `free` counted under that lock). Returns them."""
    terms = place_terms(course_session, clock.now())
    if free <= 0 or terms is None:
        return []
    now = clock.now()
    return [give_place(actor, booking, terms, now) for booking in waiting_list(course_session.id)[:free]]
