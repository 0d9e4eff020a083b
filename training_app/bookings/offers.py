"""Answering a waiting-list offer (accept or decline) and passing on offers that have run out.

Each locks the session first (services.lock_session), like booking, then reads the booking again
from the locked row, so an accept racing an expiry (or a second click) is decided once: the loser
finds the booking no longer offered. A declined or expired offer ends the booking as cancelled (never
a late cancellation: the person never held the place) and the place goes to the next person waiting
on the offer rule (promotion.place_terms). `flask expire-offers` runs expire_offers_on for every
session with an offer that has run out; it is safe to repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, User
from .emails import email_delegate
from .errors import OfferExpired, OfferNotOpen
from .services import lock_known_session, promote_from_waiting_list


def offer_is_open(booking: Booking, now: datetime) -> bool:
    """Whether `booking` is offered a place that may still be accepted at `now`."""
    return (
        booking.status == BookingStatus.OFFERED
        and booking.offer_expires_at is not None
        and now < booking.offer_expires_at
        and now < booking.session.starts_at
    )


def _locked_offer(booking: Booking) -> None:
    """Lock the booking's session and read the booking again; raise OfferNotOpen unless it is offered."""
    lock_known_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status == BookingStatus.CONFIRMED:
        raise OfferNotOpen("You have already accepted this place: it is yours.")
    if booking.status != BookingStatus.OFFERED:
        raise OfferNotOpen()


def accept_offer(actor: User, booking: Booking, via: str) -> Booking:
    """Accept the place offered to `booking`'s delegate (`actor` is them; `via` says how: "link" or
    "my training"): the booking is confirmed and they get the confirmation with the calendar event.

    Raises OfferNotOpen (already accepted, declined or passed on), OfferExpired (it has run out:
    expire-offers passes it on, if it has not already).
    """
    _locked_offer(booking)
    now = clock.now()
    if not offer_is_open(booking, now):
        raise OfferExpired(
            "Sorry, this offer ran out and the place can no longer be accepted. It is going to the next "
            "person on the waiting list."
        )
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.calendar_sequence += 1
    db.session.flush()
    record_audit(actor, "booking.offer_accepted", booking, session_id=booking.session_id, via=via)
    email_delegate(
        booking, "booking_offer_accepted", f"Booking confirmed: {booking.session.course.title}", attach_calendar=True
    )
    return booking


def decline_offer(actor: User, booking: Booking, via: str) -> list[Booking]:
    """Decline the place offered to `booking`'s delegate: the booking ends (cancelled, not late), they
    leave the waiting list, and the place goes to the next person waiting. Returns the bookings given
    the place. Raises OfferNotOpen (already accepted, declined or passed on)."""
    _locked_offer(booking)
    _end_offer(actor, booking, clock.now())
    record_audit(actor, "booking.offer_declined", booking, session_id=booking.session_id, via=via)
    given = promote_from_waiting_list(actor, booking.session)
    email_delegate(
        booking,
        "booking_offer_declined",
        f"You declined the place: {booking.session.course.title}",
        attach_calendar=True,
        passed_on=bool(given),
    )
    return given


def _end_offer(actor: User | None, booking: Booking, now: datetime) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by_id = actor.id if actor else None
    booking.late_cancellation = False
    booking.calendar_sequence += 1  # their calendar copy is cancelled
    db.session.flush()


def _run_out(now: datetime) -> ColumnElement[bool]:
    """SQL: an offer that has run out by `now` (its time is up, or the session has started, say after
    being brought forward)."""
    return and_(
        Booking.status == BookingStatus.OFFERED,
        or_(Booking.offer_expires_at <= now, CourseSession.starts_at <= now),
    )


def sessions_with_expired_offers(now: datetime) -> Sequence[int]:
    """The ids of sessions with an offer that has run out by `now`, in id order."""
    return db.session.scalars(
        select(Booking.session_id)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(_run_out(now))
        .distinct()
        .order_by(Booking.session_id)
    ).all()


@dataclass(frozen=True)
class ExpiryResult:
    expired: int = 0  # offers that ran out and ended
    given: int = 0  # places then given to the next people waiting (confirmed or offered)


def expire_offers_on(session_id: int, now: datetime) -> ExpiryResult:
    """End the offers on one session that have run out by `now` (each delegate is told) and give the
    places to the next people waiting. Decided under the session lock, so running it twice, or while
    someone accepts, ends each offer at most once and never accepts one that has run out."""
    course_session = lock_known_session(session_id)
    expired = db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.session_id == session_id, _run_out(now))
        .order_by(Booking.offer_expires_at, Booking.id)
        .execution_options(populate_existing=True)
    ).all()
    for booking in expired:
        _end_offer(None, booking, now)
        record_audit(None, "booking.offer_expired", booking, session_id=session_id)
    given = promote_from_waiting_list(None, course_session) if expired else []
    for booking in expired:
        email_delegate(
            booking,
            "booking_offer_expired",
            f"Your offer of a place has run out: {course_session.course.title}",
            attach_calendar=True,
            passed_on=bool(given),
        )
    return ExpiryResult(len(expired), len(given))
