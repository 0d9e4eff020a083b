"""Bookings: places, waiting lists, cancellations, capacity and moves.

Capacity is a hard limit. Every operation that changes who holds a place first locks the
course session row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction starts
with BEGIN IMMEDIATE, see training_app/__init__.py), then counts, then writes, all in the
caller's transaction. A partial unique index backs "one active booking per person per session".
What a freed place does for the people waiting (the offer rule) lives in .promotion, answering and
expiring offers in .offers. Whole-session operations live in .sessions, the register and e-learning
completions in .attendance, the reminder job in .reminders, the booking pages' queries in .queries,
the errors in .errors and the emails to delegates in .emails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import ScalarSelect, and_, case, func, select, text
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..contact import team_for_session
from ..evaluations.pairing import carry_responses
from ..extensions import db
from ..models import (
    Booking,
    BookingStatus,
    CourseSession,
    CourseStatus,
    SessionStatus,
    User,
)
from .emails import email_delegate
from .errors import (
    AlreadyBooked,
    AlreadyOnCourse,
    BookingClosed,
    CancellationTooLate,
    CapacityError,
    MoveNotAllowed,
    NotCancellable,
    PrerequisiteMissing,
    SessionNotBookable,
    UnknownSession,
)
from .prerequisites import completed_level, missing_level  # noqa: F401 (re-exported for pages)
from .promotion import fill_free_places, waiting_list, waitlist_position

__all__ = ["waiting_list", "waitlist_position"]  # re-exported: pages and tests ask services for them

# --------------------------------------------------------------------------- helpers


def lock_session(session_id: int) -> CourseSession | None:
    """Lock the course session row for the rest of the transaction and return it, brought up to date
    from the locked row (None if there is no such session). Every change to who holds a place starts here.

    Pending changes are flushed first, so the refreshed row overwrites nothing unsaved. On PostgreSQL the
    wait for the lock is bounded by LOCK_TIMEOUT_MS for this transaction only (SET LOCAL); a timeout raises
    OperationalError, which the app answers with "busy, please try again" (training_app/errors.py). On
    SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE), and FOR UPDATE is
    dropped.
    """
    db.session.flush()
    _bound_lock_wait()
    return db.session.scalars(
        select(CourseSession)
        .where(CourseSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def _bound_lock_wait() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        timeout = int(current_app.config["LOCK_TIMEOUT_MS"])
        db.session.execute(text(f"SET LOCAL lock_timeout = {timeout}"))


def lock_known_session(session_id: int) -> CourseSession:
    """lock_session for a session the caller already holds a row of (so it exists)."""
    locked = lock_session(session_id)
    assert locked is not None
    return locked


def count_per_session(
    status: BookingStatus | tuple[BookingStatus, ...] = BookingStatus.HOLDS_PLACE,
) -> ScalarSelect[int]:
    """The number of `status` bookings of each session (by default the places taken: confirmed, offered
    and held for someone, attended or not), as a subquery correlated to CourseSession: the one
    definition of "places taken" (and of the other counts) for lists of sessions."""
    statuses = (status,) if isinstance(status, BookingStatus) else status
    return (
        # count(*), not count(id): PostgreSQL then answers from the (session_id, status) index alone.
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == CourseSession.id, Booking.status.in_(statuses))
        .correlate(CourseSession)
        .scalar_subquery()
    )


def places_taken(session_id: int) -> int:
    """How many of one session's places are taken (count_per_session, for one session): capacity minus
    this is what may still be booked or offered."""
    return db.session.scalar(select(count_per_session()).where(CourseSession.id == session_id)) or 0


# The name callers used before offers held places too: the places that count against capacity.
confirmed_count = places_taken


def other_place_on_course(user: User, course_session: CourseSession, now: datetime) -> Booking | None:
    """The person's open booking (confirmed, offered or waiting) on another upcoming session of the same
    course, if any: one place per course, unless the course allows repeat bookings."""
    return db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(
            Booking.user_id == user.id,
            Booking.status.in_(BookingStatus.OPEN),
            CourseSession.course_id == course_session.course_id,
            CourseSession.id != course_session.id,
            CourseSession.starts_at > now,
        )
        .order_by(CourseSession.starts_at)
    ).first()


def lock_person(user_id: int) -> None:
    """Serialise one person's bookings for the rest of the transaction (their users row, FOR UPDATE on
    PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises everything), so two bookings of the same
    course on two different sessions at once cannot both pass the one-place-per-course check. Taken
    before the session's lock, with the same bounded wait."""
    _bound_lock_wait()
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def active_booking_for(user: User, course_session: CourseSession) -> Booking | None:
    """The person's booking on the session that is not cancelled, if any."""
    return db.session.scalars(
        select(Booking).where(
            Booking.session_id == course_session.id,
            Booking.user_id == user.id,
            Booking.status != BookingStatus.CANCELLED,
        )
    ).first()


def latest_booking_for(user: User, course_session: CourseSession) -> Booking | None:
    """The person's most recent booking on the session, whatever its status (None if they never booked)."""
    return db.session.scalars(
        select(Booking)
        .where(Booking.session_id == course_session.id, Booking.user_id == user.id)
        .order_by(Booking.id.desc())
        .limit(1)
    ).first()


def cancellation_deadline(course_session: CourseSession) -> datetime:
    """The last moment (naive UTC) a delegate may cancel online: the end of the day that is
    CANCELLATION_CUTOFF_WORKING_DAYS working days (Monday to Friday) before the session's date."""
    days = int(current_app.config["CANCELLATION_CUTOFF_WORKING_DAYS"])
    day = course_session.starts_local.date()
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return clock.from_london(datetime.combine(day + timedelta(days=1), time()))


# --------------------------------------------------------------------------- booking


@dataclass(frozen=True)
class BookingResult:
    """What book_place made: the booking and, if it joined the waiting list, its place there (1-based)."""

    booking: Booking
    waitlist_position: int | None = None


def book_place(
    actor: User, session_id: int, access_needs: str | None = None, booked_by: User | None = None
) -> BookingResult:
    """Book `actor` onto a session: confirmed if a place is free, otherwise waitlisted (then the result
    carries their place on the waiting list). Emails through the outbox. `booked_by`: a member of the
    training team booking for them (same rules; named in the audit trail and the email).

    Raises UnknownSession, SessionNotBookable (cancelled, postponed, started, or archived course),
    BookingClosed (outside the booking window), AlreadyBooked, AlreadyOnCourse (an open booking on
    another upcoming session of the course, unless it allows repeat bookings), PrerequisiteMissing.
    """
    course_session = db.session.get(CourseSession, session_id)
    if course_session is None:
        raise UnknownSession()
    course = course_session.course
    if course.status != CourseStatus.PUBLISHED:
        raise SessionNotBookable("This course is no longer offered.")
    if needed := missing_level(actor, course):
        raise PrerequisiteMissing(
            f"You need to have completed Level {needed} safeguarding children training before booking this course. "
            "If you completed it with your employer, add it to your account details, then book again."
        )
    # Lock late: everything from here to the commit is serialised per session (and per person, for the
    # one-place-per-course rule), and decided on the locked rows.
    if not course.allow_repeat_bookings:
        lock_person(actor.id)
    lock_session(session_id)
    now = clock.now()
    if reason := course_session.session_refusal(now):
        raise SessionNotBookable(reason)
    if reason := course_session.window_refusal(now):
        raise BookingClosed(reason)
    if not course.allow_repeat_bookings and (other := other_place_on_course(actor, course_session, now)):
        raise AlreadyOnCourse.about(other)
    # One round trip for all four questions, while the lock is held.
    mine_active = and_(Booking.user_id == actor.id, Booking.status != BookingStatus.CANCELLED)
    taken, waiting, mine, last_sequence = db.session.execute(
        select(
            func.count(case((Booking.status.in_(BookingStatus.HOLDS_PLACE), 1))),
            func.count(case((Booking.status == BookingStatus.WAITLISTED, 1))),
            func.count(case((mine_active, 1))),
            func.max(case((Booking.user_id == actor.id, Booking.calendar_sequence))),
        ).where(Booking.session_id == session_id)
    ).one()
    if mine:
        raise AlreadyBooked()
    has_place = taken < course_session.capacity
    booking = Booking(
        session=course_session,
        user=actor,
        status=BookingStatus.CONFIRMED if has_place else BookingStatus.WAITLISTED,
        requested_at=now,
        confirmed_at=now if has_place else None,
        agency_id=actor.agency_id,
        job_role=actor.job_role,
        access_needs=access_needs or None,
        # Above any earlier booking of theirs, so this copy of the event replaces a cancelled one.
        calendar_sequence=(last_sequence or 0) + 1,
    )
    try:
        # A savepoint: if the unique index catches a duplicate the lock should already have prevented,
        # only this insert is undone, not the caller's transaction.
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:
        raise AlreadyBooked() from None
    record_audit(booked_by or actor, "booking.created", booking, session_id=session_id, status=booking.status)
    if has_place:
        email_delegate(
            booking,
            "booking_confirmed",
            f"Booking confirmed: {course.title}",
            attach_calendar=True,
            booked_by=booked_by,
        )
        return BookingResult(booking)
    # Under the lock, everyone already waiting asked earlier: this booking joins the end.
    position = waiting + 1
    email_delegate(
        booking,
        "booking_waitlisted",
        f"You are on the waiting list: {course.title}",
        attach_calendar=True,
        position=position,
        booked_by=booked_by,
    )
    return BookingResult(booking, position)


def promote_from_waiting_list(actor: User | None, course_session: CourseSession) -> list[Booking]:
    """Give the session's free places to the people waiting, first come first served, confirmed at once
    or offered for a while by the offer rule (promotion.place_terms); the session must be locked.
    Returns the bookings given a place (each is told by email which)."""
    return fill_free_places(actor, course_session, course_session.capacity - places_taken(course_session.id))


def cancel_booking(actor: User, booking: Booking, as_admin: bool = False, reason: str | None = None) -> Booking:
    """Cancel a confirmed, offered or waitlisted booking; a freed place goes to the first on the waiting list.

    Delegates may cancel until the cut-off (cancellation_deadline); admins at any time (after the
    cut-off it counts as a late cancellation) and give the `reason` the delegate is told. The
    delegate's email carries the calendar CANCEL. Raises NotCancellable, CancellationTooLate.
    """
    course_session = lock_known_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status not in BookingStatus.OPEN:
        raise NotCancellable("This booking is not active, so there is nothing to cancel.")
    now = clock.now()
    if course_session.starts_at <= now and not as_admin:
        raise NotCancellable("This session has already started.")
    late = booking.status == BookingStatus.CONFIRMED and now >= cancellation_deadline(course_session)
    if late and not as_admin:
        team = team_for_session(course_session)
        raise CancellationTooLate(
            f"It is too late to cancel online. Contact the training team ({team.name}, {team.email}) if you "
            "cannot attend, so your place can be offered to someone else."
        )
    was = BookingStatus(booking.status)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by_id = actor.id
    booking.late_cancellation = late
    booking.cancel_reason = (reason or "").strip() or None
    booking.calendar_sequence += 1
    db.session.flush()
    record_audit(
        actor,
        "booking.cancelled",
        booking,
        session_id=course_session.id,
        was=was,
        late=late,
        by_admin=as_admin,
        reason=booking.cancel_reason,
    )
    email_delegate(
        booking,
        "booking_cancelled",
        f"Booking cancelled: {course_session.course.title}",
        attach_calendar=True,
        by_admin=as_admin and actor.id != booking.user_id,
    )
    if was in BookingStatus.HOLDS_PLACE:
        promote_from_waiting_list(actor, course_session)
    return booking


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
