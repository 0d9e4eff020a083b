"""View-side queries of the booking pages: My training, the register's attendee list, a trainer's
sessions, the team's view of one session's bookings, and where a booking can be moved."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ScalarSelect, and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from ..extensions import db
from ..models import AuditEvent, Booking, BookingStatus, Course, CourseSession, ElearningCompletion, SessionStatus, User
from ..models.catalogue import session_trainers
from .state import BookingState, booking_state


@dataclass
class MyTraining:
    """A delegate's bookings grouped for the My training page, each with its state (bookings.state),
    and their e-learning completions."""

    upcoming: list[tuple[Booking, BookingState]] = field(default_factory=list)  # soonest first
    offered: list[Booking] = field(default_factory=list)  # places held for them: accept or decline
    waitlisted: list[tuple[Booking, BookingState]] = field(default_factory=list)
    past: list[tuple[Booking, BookingState]] = field(default_factory=list)  # latest first
    cancelled: list[tuple[Booking, BookingState]] = field(default_factory=list)
    completions: Sequence[ElearningCompletion] = ()


def waitlist_position_column() -> ScalarSelect[int]:
    """Booking's 1-based place on its session's waiting list, as a correlated subquery (a list of
    bookings gets every position in the same statement; services.waitlist_position for one)."""
    ahead = aliased(Booking)
    return (
        select(func.count(ahead.id) + 1)
        .where(
            ahead.session_id == Booking.session_id,
            ahead.status == BookingStatus.WAITLISTED,
            or_(
                ahead.requested_at < Booking.requested_at,
                and_(ahead.requested_at == Booking.requested_at, ahead.id < Booking.id),
            ),
        )
        .correlate(Booking)
        .scalar_subquery()
    )


def my_training(user: User, now: datetime) -> MyTraining:
    """`user`'s bookings at `now`: upcoming (confirmed, not yet ended: postponed ones too), offered (a
    place held for them, until expire-offers ends it), waitlisted (session not started), past (everything
    else that was not cancelled) and cancelled, each with its state (offers are shown with their answer
    buttons); and their e-learning completions. A fixed number of statements, whatever the bookings."""
    rows = db.session.execute(
        select(Booking, CourseSession, waitlist_position_column())
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.user_id == user.id)
        .options(
            selectinload(CourseSession.course),
            selectinload(Booking.moved_to).selectinload(Booking.session),
        )
        .order_by(CourseSession.starts_at.desc(), Booking.id.desc())
    ).all()
    groups = MyTraining()
    for booking, course_session, position in rows:
        waiting = booking.status == BookingStatus.WAITLISTED
        state = booking_state(booking, now, position if waiting else None)
        if booking.status == BookingStatus.CANCELLED:
            groups.cancelled.append((booking, state))
        elif booking.status == BookingStatus.OFFERED:
            groups.offered.append(booking)
        elif waiting and (course_session.starts_at > now or course_session.status == SessionStatus.POSTPONED):
            groups.waitlisted.append((booking, state))
        elif booking.status in (BookingStatus.CONFIRMED, BookingStatus.AWAITING_APPROVAL) and (
            course_session.ends_at > now or course_session.status == SessionStatus.POSTPONED
        ):
            groups.upcoming.append((booking, state))
        else:
            groups.past.append((booking, state))
    groups.upcoming.reverse()
    groups.offered.reverse()
    groups.completions = db.session.scalars(
        select(ElearningCompletion)
        .where(ElearningCompletion.user_id == user.id)
        .order_by(ElearningCompletion.completed_at.desc())
    ).all()
    return groups


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalars(select(Course).where(Course.slug == slug)).first()


def attendees(course_session: CourseSession) -> Sequence[Booking]:
    """Bookings that hold a place on the session, by name (the register and the sign-in sheet)."""
    return db.session.scalars(
        select(Booking)
        .join(User, Booking.user_id == User.id)
        .where(Booking.session_id == course_session.id, Booking.status.in_(BookingStatus.HOLDS_PLACE))
        .order_by(User.name, Booking.id)
    ).all()


REGISTER_CSV_HEADER = ("Name", "Organisation", "Sector", "Job role", "Access needs", "Status")


def register_csv_rows(course_session: CourseSession) -> Iterator[list[str]]:
    """The register as CSV rows, header first."""
    yield list(REGISTER_CSV_HEADER)
    for booking in attendees(course_session):
        agency = booking.agency
        yield [
            booking.user.name,
            agency.name if agency else "",
            agency.sector if agency else "",
            booking.job_role or "",
            booking.access_needs or "",
            booking.status_label,
        ]


def trainer_sessions(trainer: User) -> Sequence[CourseSession]:
    """The sessions `trainer` is down to run, earliest first."""
    return db.session.scalars(
        select(CourseSession)
        .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
        .where(session_trainers.c.user_id == trainer.id)
        .order_by(CourseSession.starts_at)
        .options(selectinload(CourseSession.course))
    ).all()


def session_bookings(course_session: CourseSession) -> Sequence[Booking]:
    """Every booking of the session, in the order people asked."""
    return db.session.scalars(
        select(Booking).where(Booking.session_id == course_session.id).order_by(Booking.requested_at, Booking.id)
    ).all()


def session_audit(course_session: CourseSession) -> Sequence[AuditEvent]:
    """The session's audit trail, newest first."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.session_id == course_session.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    ).all()


def move_targets(booking: Booking, now: datetime, run_by: int | None = None) -> Sequence[CourseSession]:
    """The other upcoming, scheduled sessions of the booking's course, soonest first; only those run
    by the partnership `run_by` when given (a shared course's other partners manage their own)."""
    conditions = [
        CourseSession.course_id == booking.session.course_id,
        CourseSession.id != booking.session_id,
        CourseSession.status == SessionStatus.SCHEDULED,
        CourseSession.starts_at > now,
    ]
    if run_by is not None:
        conditions.append(CourseSession.partnership_id == run_by)
    return db.session.scalars(select(CourseSession).where(*conditions).order_by(CourseSession.starts_at)).all()
