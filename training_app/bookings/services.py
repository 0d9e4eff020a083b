"""Bookings: places, waiting lists and cancellations.

Capacity is a hard limit. Every operation that changes who holds a place first locks the
course session row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every transaction starts
with BEGIN IMMEDIATE, see training_app/__init__.py), then counts, then writes, all in the
caller's transaction. A partial unique index backs "one active booking per person per session".
What a freed place does for the people waiting (the offer rule) lives in .promotion, answering and
expiring offers in .offers, the team's changes (capacity, moving a delegate) in .team_changes.
Whole-session operations live in .sessions, the register and e-learning completions in .attendance,
the reminder job in .reminders, the booking pages' queries in .queries, the errors in .errors and
the emails to delegates in .emails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import ScalarSelect, func, select, text
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..contact import team_for_session
from ..extensions import db
from ..interest.services import has_head_start
from ..models import (
    Booking,
    BookingStatus,
    CourseSession,
    CourseStatus,
    User,
)
from .approvals import request_approval
from .emails import email_delegate
from .errors import (
    AlreadyBooked,
    AlreadyOnCourse,
    BookingClosed,
    CancellationTooLate,
    ManagerMissing,
    NotCancellable,
    PrerequisiteMissing,
    SessionNotBookable,
    UnknownSession,
)
from .fast_path import (
    fast_path_applies,
    insert_booking,
    lock_as_read,
    place_decision,
    prerender_emails,
    session_as_read,
)
from .manager_emails import BOOKED, CANCELLED, tell_manager
from .prerequisites import completed_level, missing_level  # noqa: F401 (re-exported for pages)
from .promotion import fill_free_places, waiting_list, waitlist_position

__all__ = ["waiting_list", "waitlist_position"]  # re-exported: pages and tests ask services for them

# --------------------------------------------------------------------------- helpers


def lock_session(session_id: int, wait_bounded: bool = False) -> CourseSession | None:
    """Lock the course session row for the rest of the transaction and return it, brought up to date
    from the locked row (None if there is no such session). Every change to who holds a place starts here.

    Pending changes are flushed first, so the refreshed row overwrites nothing unsaved. On PostgreSQL the
    wait for the lock is bounded by LOCK_TIMEOUT_MS for this transaction only (SET LOCAL); a timeout raises
    OperationalError, which the app answers with "busy, please try again" (training_app/errors.py). On
    SQLite the transaction already holds the database's write lock (BEGIN IMMEDIATE), and FOR UPDATE is
    dropped. `wait_bounded`: this transaction already set the bound (lock_person), so one round trip less.
    """
    db.session.flush()
    if not wait_bounded:
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
    # Read when the booking is made: after the view's commit the booking is expired, and asking it
    # again would cost a round trip.
    status: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", self.booking.status)

    @property
    def awaiting_approval(self) -> bool:
        return self.status == BookingStatus.AWAITING_APPROVAL


def book_place(
    actor: User, session_id: int, access_needs: str | None = None, booked_by: User | None = None
) -> BookingResult:
    """Book `actor` onto a session: confirmed if a place is free, otherwise waitlisted (then the result
    carries their place on the waiting list). Emails through the outbox. `booked_by`: a member of the
    training team booking for them (same rules; named in the audit trail and the email).

    Raises UnknownSession, SessionNotBookable (cancelled, postponed, started, or archived course),
    On a course that asks for manager approval, a free place is held while the person's line manager
    decides (bookings.approvals); ManagerMissing if they have not named one.
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
    if course.requires_manager_approval and not actor.manager_email:
        raise ManagerMissing()
    # The fast path (PostgreSQL, no approval) renders both emails it may send before any lock is taken.
    fast = fast_path_applies(course_session)
    if fast:
        as_read = session_as_read(course_session)
        emails = prerender_emails(actor, course_session, access_needs, booked_by)
    # Lock late: everything from here to the commit is serialised per session (and per person, for the
    # one-place-per-course rule, which the person's lock alone makes safe to check before the session's).
    if not course.allow_repeat_bookings:
        lock_person(actor.id)
        if other := other_place_on_course(actor, course_session, clock.now()):
            raise AlreadyOnCourse.about(other)
    if not fast:
        lock_session(session_id, wait_bounded=not course.allow_repeat_bookings)
    else:
        if course.allow_repeat_bookings:
            _bound_lock_wait()
        if not lock_as_read(course_session, as_read):
            # Changed while we queued (rare): read it again under the lock, and the emails with it.
            lock_session(session_id, wait_bounded=True)
            emails = prerender_emails(actor, course_session, access_needs, booked_by)
    now = clock.now()
    if reason := course_session.session_refusal(now):
        raise SessionNotBookable(reason)
    # Those who asked to be told of dates may book during their head start (interest/services.py).
    if (reason := course_session.window_refusal(now)) and course_session.window_refusal(
        now, has_head_start(actor, course_session)
    ):
        raise BookingClosed(reason)
    if fast:
        try:
            made, fast_position = insert_booking(actor, course_session, access_needs, booked_by, emails)
        except IntegrityError:
            raise AlreadyBooked() from None
        if made is None:
            raise AlreadyBooked()
        return BookingResult(made, fast_position)
    # The capacity rule (fast_path.place_decision), in one round trip while the lock is held.
    decision = db.session.execute(place_decision(session_id, actor.id, course_session.capacity)).one()
    if decision.mine:
        raise AlreadyBooked()
    has_place = decision.status == BookingStatus.CONFIRMED
    needs_approval = has_place and course.requires_manager_approval
    booking = Booking(
        session=course_session,
        user=actor,
        status=(
            BookingStatus.WAITLISTED
            if not has_place
            else BookingStatus.AWAITING_APPROVAL
            if needs_approval
            else BookingStatus.CONFIRMED
        ),
        requested_at=now,
        confirmed_at=now if has_place and not needs_approval else None,
        agency_id=actor.agency_id,
        job_role=actor.job_role,
        access_needs=access_needs or None,
        # Above any earlier booking of theirs, so this copy of the event replaces a cancelled one.
        calendar_sequence=decision.sequence,
    )
    try:
        # A savepoint: if the unique index catches a duplicate the lock should already have prevented,
        # only this insert is undone, not the caller's transaction.
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:
        raise AlreadyBooked() from None
    record_audit(booked_by or actor, "booking.created", booking, session_id=session_id, status=booking.status)
    if needs_approval:
        request_approval(booked_by or actor, booking, now)  # holds the place; asks their manager
        return BookingResult(booking)
    tell_manager(booking, BOOKED)
    if has_place:
        email_delegate(
            booking,
            "booking_confirmed",
            f"Booking confirmed: {course.title}",
            attach_calendar=True,
            booked_by=booked_by,
        )
        return BookingResult(booking)
    position = decision.position
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
    tell_manager(booking, CANCELLED)
    if was in BookingStatus.HOLDS_PLACE:
        promote_from_waiting_list(actor, course_session)
    return booking
