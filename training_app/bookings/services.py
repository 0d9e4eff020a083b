from sqlalchemy import func, or_, and_, select

from ..extensions import db
from ..models import Booking


def active_booking_for(user, course_session):
    return db.session.scalars(
        select(Booking).where(Booking.session_id == course_session.id, Booking.user_id == user.id,
                              Booking.status != "cancelled")
    ).first()


def waitlist_position(booking):
    """1-based place on the waiting list, in the order people asked."""
    ahead = db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.session_id == booking.session_id,
            Booking.status == "waitlisted",
            or_(Booking.requested_at < booking.requested_at,
                and_(Booking.requested_at == booking.requested_at, Booking.id < booking.id)),
        )
    )
    return ahead + 1
