"""Recording onward delivery after a trainer-of-trainers course (the cascade).

Who may record: the delegate whose booking on a trainer-of-trainers course (Course.is_trainer_of_trainers)
was marked attended. The annual pack counts what they record (reports/pack_sections.cascade_figures).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from .. import clock
from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Booking, BookingStatus, OnwardDelivery, User


class CascadeError(DomainError):
    message = "This training cannot be recorded."


def may_record_cascade(booking: Booking) -> bool:
    """The booking is an attended place on a trainer-of-trainers course."""
    return booking.status == BookingStatus.ATTENDED and booking.session.course.is_trainer_of_trainers


def deliveries_for(booking: Booking) -> Sequence[OnwardDelivery]:
    return db.session.scalars(
        select(OnwardDelivery)
        .where(OnwardDelivery.booking_id == booking.id)
        .order_by(OnwardDelivery.delivered_on, OnwardDelivery.id)
    ).all()


def record_onward_delivery(
    actor: User, booking: Booking, delivered_on: date, sessions_run: int, people_reached: int, organisation: str
) -> OnwardDelivery:
    """Record training `actor` ran after attending `booking`'s trainer-of-trainers course.
    Raises CascadeError: not an attended place on such a course, a date in the future or before the course."""
    if not may_record_cascade(booking):
        raise CascadeError("You can record training you run after attending a trainer-of-trainers course.")
    today = clock.to_london(clock.now()).date()
    if delivered_on > today:
        raise CascadeError("The date must be today or in the past", "delivered_on")
    if delivered_on < clock.to_london(booking.session.starts_at).date():
        raise CascadeError("The date must be on or after the course you attended", "delivered_on")
    delivery = OnwardDelivery(
        booking_id=booking.id,
        user_id=actor.id,
        delivered_on=delivered_on,
        sessions_run=sessions_run,
        people_reached=people_reached,
        organisation=organisation,
        created_at=clock.now(),
    )
    db.session.add(delivery)
    db.session.flush()
    record_audit(actor, "cascade.recorded", delivery, session_id=booking.session_id)
    return delivery
