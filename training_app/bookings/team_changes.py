"""The training team's changes to places: a session's capacity, and moving a delegate to another date.

Both take the session lock first (bookings.services.lock_session), like every change to who holds a
place, and give freed or new places to the waiting list through promote_from_waiting_list.
"""

from __future__ import annotations

from sqlalchemy import func, select

from .. import clock
from ..audit import record_audit
from ..evaluations.pairing import carry_responses
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, SessionStatus, User
from .emails import email_delegate
from .errors import CapacityError, MoveNotAllowed
from .services import active_booking_for, lock_known_session, lock_session, places_taken, promote_from_waiting_list


def change_capacity(actor: User, course_session: CourseSession, new_capacity: int) -> list[Booking]:
    """Set a session's capacity; raising it gives the new places to the waiting list at once (returns
    the bookings given one). Raises CapacityError if it would fall below the places taken, or rise above
    what the venue's room holds."""
    course_session = lock_known_session(course_session.id)
    taken = places_taken(course_session.id)
    if new_capacity < max(1, taken):
        raise CapacityError(
            f"Capacity must be at least {max(1, taken)}: that many places are confirmed or offered to someone."
        )
    room = course_session.venue.room_refusal(new_capacity) if course_session.venue else None
    if room and new_capacity > course_session.capacity:
        raise CapacityError(f"{room}.")
    before = course_session.capacity
    course_session.capacity = new_capacity
    record_audit(
        actor,
        "session.capacity_changed",
        course_session,
        session_id=course_session.id,
        capacity={"before": before, "after": new_capacity},
    )
    db.session.flush()
    return promote_from_waiting_list(actor, course_session)


def move_booking(actor: User, booking: Booking, target_session_id: int) -> Booking:
    """Move a delegate to another session of the same course (admins). The new session must have a
    free place; the freed place on the old session goes to its waiting list. Returns the new booking.
    Raises MoveNotAllowed (on the target_session field) saying why not."""
    source_id = booking.session_id
    if target_session_id == source_id:
        raise MoveNotAllowed("Choose a different session.")
    # Lock both sessions in id order, so two moves in opposite directions cannot deadlock.
    locked = {sid: lock_session(sid) for sid in sorted((source_id, target_session_id))}
    target, source = locked[target_session_id], locked[source_id]
    assert source is not None  # the booking's own session
    db.session.refresh(booking)
    if booking.status not in BookingStatus.OPEN:
        raise MoveNotAllowed("Only confirmed, offered or waitlisted bookings can be moved.")
    if target is None or target.course_id != booking.session.course_id:
        raise MoveNotAllowed("You can only move a delegate to another session of the same course.")
    if target.status != SessionStatus.SCHEDULED or target.starts_at <= clock.now():
        raise MoveNotAllowed("That session is not open: choose an upcoming, scheduled session.")
    if places_taken(target.id) >= target.capacity:
        raise MoveNotAllowed("That session is full. Raise its capacity first, or choose another session.")
    if active_booking_for(booking.user, target):
        raise MoveNotAllowed("The delegate already has a booking for that session.")
    held_place = booking.status in BookingStatus.HOLDS_PLACE
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = clock.now()
    booking.cancelled_by_id = actor.id
    booking.calendar_sequence += 1
    earlier = db.session.scalar(
        select(func.max(Booking.calendar_sequence)).where(
            Booking.session_id == target.id, Booking.user_id == booking.user_id
        )
    )
    moved = Booking(
        session=target,
        user=booking.user,
        status=BookingStatus.CONFIRMED,
        requested_at=clock.now(),
        confirmed_at=clock.now(),
        agency_id=booking.agency_id,
        job_role=booking.job_role,
        access_needs=booking.access_needs,
        calendar_sequence=(earlier or 0) + 1,
    )
    db.session.add(moved)
    db.session.flush()
    booking.moved_to = moved
    carried = carry_responses(booking, moved)
    record_audit(
        actor,
        "booking.moved",
        moved,
        session_id=target.id,
        from_session=source_id,
        from_booking=booking.id,
        evaluation_responses=carried,
    )
    record_audit(actor, "booking.moved_out", booking, session_id=source_id, to_session=target.id)
    email_delegate(
        moved,
        "booking_moved",
        f"Your booking has moved: {target.course.title}",
        attach_calendar=True,
        also_calendar_of=source,
        old_session=source,
    )
    if held_place:
        promote_from_waiting_list(actor, source)
    return moved
