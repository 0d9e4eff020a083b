"""The partnership team's operations on the schedule: one session (schedule, edit) or a series.

Every function takes the acting user explicitly, flushes (never commits) and records an audit
event in the caller's transaction. Permission checks are the views' job (training_app.permissions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import changes, record_audit
from ..bookings.services import confirmed_count, count_per_session
from ..extensions import db
from ..interest.services import tell_interested
from ..models import BookingStatus, Course, CourseSession, CourseStatus, Partnership, Role, SessionStatus, User, Venue
from ..permissions import running_partnership_for
from ..timefmt import london_date
from .services import AdminError, Values

SESSION_FIELDS = (
    "starts_at",
    "ends_at",
    "venue_id",
    "online_platform",
    "join_url",
    "capacity",
    "booking_opens_at",
    "booking_closes_at",
)
# Changes delegates must be told about (and that calendars must pick up).
NOTIFY_FIELDS = ("starts_at", "ends_at", "venue_id", "online_platform", "join_url")


class InvalidSession(AdminError):
    """A session's times or booking window do not fit together; raised with the field to correct."""


class CapacityBelowConfirmed(AdminError):
    field = "capacity"


class RoomTooSmall(AdminError):
    """More places than the venue's room holds (Venue.room_refusal says so)."""

    field = "capacity"


def sessions_with_counts(course: Course) -> list[tuple[CourseSession, int, int]]:
    """[(session, confirmed, waitlisted)] for every session of `course` (whoever runs it), earliest first."""
    rows = db.session.execute(
        select(CourseSession, count_per_session(BookingStatus.CONFIRMED), count_per_session(BookingStatus.WAITLISTED))
        .options(selectinload(CourseSession.partnership), selectinload(CourseSession.trainers))
        .where(CourseSession.course_id == course.id)
        .order_by(CourseSession.starts_at, CourseSession.id)
    ).all()
    return [(course_session, confirmed, waitlisted) for course_session, confirmed, waitlisted in rows]


def trainer_choices(course_session: CourseSession | None = None) -> list[User]:
    """Active trainers, plus anyone already training this session (so an edit keeps them)."""
    trainers = db.session.scalars(
        select(User).where(User.role == Role.TRAINER, User.closed_at.is_(None)).order_by(User.name, User.id)
    ).all()
    current = list(course_session.trainers) if course_session else []
    extra = [t for t in current if t not in trainers]
    return sorted([*trainers, *extra], key=lambda u: (u.name.lower(), u.id))


def running_partnerships(course: Course) -> Sequence[Partnership]:
    """The partnerships that may run sessions of `course`: those it counts for (Course.counts_for)."""
    return db.session.scalars(
        select(Partnership)
        .join(Course, Course.counts_for(Partnership.id))
        .where(Course.id == course.id)
        .order_by(Partnership.code)
    ).all()


def _check_session(values: Values, course_session: CourseSession | None = None) -> None:
    """Rules between fields that the form cannot check alone. Raises InvalidSession."""
    starts, ends = values["starts_at"], values["ends_at"]
    if ends <= starts:
        raise InvalidSession("End time must be after the start time", "end_time")
    if course_session is None and starts <= clock.now():
        raise InvalidSession("The session must start in the future", "date")
    opens, closes = values.get("booking_opens_at"), values.get("booking_closes_at")
    if opens and opens >= starts:
        raise InvalidSession("Booking must open before the session starts", "opens_date")
    if closes and closes > starts:
        raise InvalidSession("Booking must close before the session starts, or at the start", "closes_date")
    if opens and closes and closes <= opens:
        raise InvalidSession("Booking must close after it opens", "closes_date")
    _check_venue(values, course_session)
    if course_session is not None:
        confirmed = confirmed_count(course_session.id)
        if values["capacity"] < confirmed:
            raise CapacityBelowConfirmed(
                f"Capacity cannot be lower than the {confirmed} confirmed "
                f"{'booking' if confirmed == 1 else 'bookings'}. Cancel bookings first, from the register"
            )


def _check_venue(values: Values, course_session: CourseSession | None) -> None:
    """The venue must exist and be in use (a session keeps a venue retired since), and its room must
    hold the places. An edit that changes neither the venue nor the capacity is not refused for a
    room made smaller since (the venue page warns about those sessions). Raises InvalidSession,
    RoomTooSmall."""
    venue_id = values.get("venue_id")
    if venue_id is None:
        return
    venue = db.session.get(Venue, venue_id)
    kept = course_session is not None and course_session.venue_id == venue_id
    if venue is None or (venue.is_retired and not kept):
        raise InvalidSession("Select a venue that is in use", "venue_id")
    if kept and course_session is not None and values["capacity"] == course_session.capacity:
        return
    refusal = venue.room_refusal(values["capacity"])
    if refusal:
        raise RoomTooSmall(refusal)


def _trainers(trainer_ids: Iterable[int], course_session: CourseSession | None = None) -> list[User]:
    allowed = {u.id: u for u in trainer_choices(course_session)}
    return [allowed[i] for i in trainer_ids if i in allowed]


def schedule_session(actor: User, course: Course, values: Values) -> CourseSession:
    """Add a session of `course`.

    values: starts_at, ends_at (naive UTC), venue_id, online_platform, join_url, capacity,
    trainer_ids, booking_opens_at, booking_closes_at (naive UTC or None: closes at the start), and
    partnership_id (the partnership that runs it: only a system admin chooses; a partnership admin's
    session is run by their own partnership; None: the course's owner).
    Raises InvalidSession, RoomTooSmall (more places than the venue's room holds).
    """
    if course.is_elearning:
        raise InvalidSession("E-learning courses have no sessions", "date")
    if course.status == CourseStatus.ARCHIVED:
        raise InvalidSession("This course is archived. Restore it before scheduling sessions", "date")
    _check_session(values)
    running_id = _running_partnership(actor, course, values, None)
    trainers = _trainers(values.get("trainer_ids", []))
    course_session = CourseSession(
        course_id=course.id,
        partnership_id=running_id,
        status=SessionStatus.SCHEDULED,
        sequence=0,
        trainers=trainers,
        **{f: values.get(f) for f in SESSION_FIELDS},
    )
    db.session.add(course_session)
    db.session.flush()
    record_audit(
        actor,
        "session.created",
        course_session,
        session_id=course_session.id,
        course_id=course.id,
        values={f: getattr(course_session, f) for f in SESSION_FIELDS},
        trainers=[t.id for t in course_session.trainers],
        partnership_id=course_session.partnership_id,
    )
    return course_session


def _running_partnership(actor: User, course: Course, values: Values, course_session: CourseSession | None) -> int:
    """The partnership that runs the session, which must be one the course counts for. Raises InvalidSession."""
    current = course_session.partnership_id if course_session is not None else None
    running_id = running_partnership_for(actor, values.get("partnership_id"), current) or course.owner_partnership_id
    if running_id != current and running_id not in {p.id for p in running_partnerships(course)}:
        raise InvalidSession("Select a partnership that runs this course", "partnership_id")
    return running_id


def update_session(actor: User, course_session: CourseSession, values: Values) -> list[str]:
    """Change a session's time, place, capacity, trainers or booking window (and, for a system admin,
    the partnership that runs it: values["partnership_id"]).

    A change to the time or place bumps the iCalendar SEQUENCE. A capacity change goes through
    the bookings area's change_capacity (which locks the session and promotes from the waiting
    list). Returns the names of the changed fields that delegates must be told about (see
    NOTIFY_FIELDS), in that order. Raises InvalidSession, CapacityBelowConfirmed, RoomTooSmall.
    """
    _check_session(values, course_session)
    new_trainers = _trainers(values.get("trainer_ids", []), course_session)
    fields = [f for f in SESSION_FIELDS if f != "capacity"]
    values = {**values, "partnership_id": _running_partnership(actor, course_session.course, values, course_session)}
    fields.append("partnership_id")
    diff = changes(course_session, fields, values)
    before_ids, after_ids = sorted(t.id for t in course_session.trainers), sorted(t.id for t in new_trainers)
    if before_ids != after_ids:
        diff["trainers"] = {"before": before_ids, "after": after_ids}
    notify = [f for f in NOTIFY_FIELDS if f in diff]
    if diff:
        for field in fields:
            setattr(course_session, field, values.get(field))
        course_session.trainers = new_trainers
        if notify:
            course_session.sequence = (course_session.sequence or 0) + 1
        db.session.flush()
        record_audit(actor, "session.updated", course_session, session_id=course_session.id, changes=diff)
    if values["capacity"] != course_session.capacity:
        from ..bookings.errors import CapacityError
        from ..bookings.team_changes import change_capacity

        try:
            change_capacity(actor, course_session, values["capacity"])
        except CapacityError as error:
            raise CapacityBelowConfirmed(error.message) from None
    return notify


def schedule_series(actor: User, course: Course, series: Sequence[Values]) -> list[CourseSession]:
    """Schedule several sessions of `course` at once (a weekly series, or a copy of a session): each
    as schedule_session would, all or none. A refusal names the date it is about (London time), so
    the administrator can change the first date, the last date or the places. Raises as
    schedule_session does."""
    scheduled = []
    for values in series:
        try:
            scheduled.append(schedule_session(actor, course, values))
        except AdminError as error:
            if len(series) == 1:
                raise
            when = london_date(values["starts_at"])
            raise type(error)(f"The session on {when}: {error.message}", error.field) from None
    tell_interested(actor, course, scheduled)  # those who asked for dates hear first (interest/services.py)
    return scheduled
