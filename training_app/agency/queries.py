"""Reads for the agency lead's pages: their staff with counts, one person's bookings and record, the
requests awaiting approval, and the sessions a member of staff may be booked onto.

Who is on these pages is permissions.lead_staff_condition: people count where they work now
(User.agency_id), whatever organisation their older bookings recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import (
    Agency,
    AgencyLead,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    CourseStatus,
    SessionStatus,
    User,
)
from ..pagination import Page, paginate
from ..permissions import lead_staff_condition
from ..timefmt import london_csv

# "In the last 12 months" on the staff list and its CSV.
RECENT_DAYS = 365
# How many upcoming sessions the "book onto a session" list offers (soonest first).
BOOKABLE_SESSIONS_LIMIT = 300

CsvRow = tuple[object, ...]


@dataclass(frozen=True)
class StaffCounts:
    """One member of staff and their numbers (see staff_counts for what each counts)."""

    person: User
    upcoming: int
    attended: int
    no_shows: int
    late_cancellations: int
    awaiting_approval: int


def led_agencies(lead: User) -> Sequence[Agency]:
    """The organisations `lead` leads, by name."""
    return db.session.scalars(
        select(Agency)
        .join(AgencyLead, AgencyLead.agency_id == Agency.id)
        .where(AgencyLead.user_id == lead.id)
        .order_by(Agency.name)
    ).all()


def _counts(now: datetime) -> list[ColumnElement[int]]:
    """Per person, over their bookings joined to sessions:
    upcoming: an open booking (confirmed, waiting, offered, awaiting approval) on a session still to
      come (scheduled and not started, or postponed);
    attended, no_shows: register marks for sessions that started in the last RECENT_DAYS days;
    late_cancellations: bookings cancelled late (after the cut-off) in the last RECENT_DAYS days;
    awaiting_approval: requests still waiting for an answer."""
    since = now - timedelta(days=RECENT_DAYS)
    to_come = or_(
        and_(CourseSession.status == SessionStatus.SCHEDULED, CourseSession.starts_at > now),
        CourseSession.status == SessionStatus.POSTPONED,
    )
    recent = and_(CourseSession.starts_at >= since, CourseSession.starts_at <= now)
    return [
        func.count(Booking.id).filter(Booking.status.in_(BookingStatus.OPEN), to_come).label("upcoming"),
        func.count(Booking.id).filter(Booking.status == BookingStatus.ATTENDED, recent).label("attended"),
        func.count(Booking.id).filter(Booking.status == BookingStatus.NO_SHOW, recent).label("no_shows"),
        func.count(Booking.id)
        .filter(
            Booking.status == BookingStatus.CANCELLED,
            Booking.late_cancellation.is_(True),
            Booking.cancelled_at >= since,
        )
        .label("late_cancellations"),
        func.count(Booking.id).filter(Booking.status == BookingStatus.AWAITING_APPROVAL).label("awaiting_approval"),
    ]


COUNT_NAMES = ("upcoming", "attended", "no_shows", "late_cancellations", "awaiting_approval")


def _staff_query(lead: User, agency_id: int | None, now: datetime) -> Select[User, *tuple[Any, ...]]:
    """The lead's staff (or one organisation's), each with their counts: one statement."""
    staff = lead_staff_condition(lead, agency_id)
    counts = (
        select(Booking.user_id, *_counts(now))
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.user_id.in_(select(User.id).where(staff)))
        .group_by(Booking.user_id)
        .subquery()
    )
    return (
        select(User, *(func.coalesce(counts.c[name], 0) for name in COUNT_NAMES))
        .outerjoin(counts, counts.c.user_id == User.id)
        .where(staff)
        .order_by(User.name, User.id)
    )


def staff_counts(
    lead: User, agency_id: int | None, now: datetime, page: int, per_page: int
) -> tuple[list[StaffCounts], Page]:
    """One page of the lead's staff (narrowed to `agency_id` when given), by name, with their counts.
    Two statements whatever the number of people or bookings."""
    total = db.session.scalar(select(func.count(User.id)).where(lead_staff_condition(lead, agency_id))) or 0
    pages = paginate(total, per_page, page)
    rows = db.session.execute(
        _staff_query(lead, agency_id, now).options(joinedload(User.agency)).limit(pages.per_page).offset(pages.offset)
    ).all()
    return [_staff_counts(row) for row in rows], pages


def _staff_counts(row: Row[User, *tuple[Any, ...]]) -> StaffCounts:
    person: User = row[0]
    upcoming, attended, no_shows, late, waiting = (int(n) for n in row[1:6])
    return StaffCounts(person, upcoming, attended, no_shows, late, waiting)


def staff_csv_rows(lead: User, agency_id: int | None, now: datetime, batch_size: int = 1000) -> Iterator[CsvRow]:
    """The staff list as CSV rows (header first), streamed: only the lead's organisations' people."""
    yield (
        "Name",
        "Email",
        "Organisation",
        "Job role",
        "Account",
        "Upcoming bookings",
        "Attended (last 12 months)",
        "Did not attend (last 12 months)",
        "Late cancellations (last 12 months)",
        "Awaiting approval",
        "Figures as at (London)",
    )
    when = london_csv(now)
    query = _staff_query(lead, agency_id, now).options(joinedload(User.agency))
    for row in db.session.execute(query.execution_options(yield_per=batch_size)):
        counts = _staff_counts(row)
        person = counts.person
        yield (
            person.name,
            person.email,
            person.agency.name if person.agency else "",
            person.job_role or "",
            "Deactivated" if person.deactivated_at else "Active",
            counts.upcoming,
            counts.attended,
            counts.no_shows,
            counts.late_cancellations,
            counts.awaiting_approval,
            when,
        )


def awaiting_approval(lead: User) -> Sequence[Booking]:
    """The lead's staff's bookings waiting for approval, the soonest to run out first."""
    return db.session.scalars(
        select(Booking)
        .join(User, Booking.user_id == User.id)
        .where(Booking.status == BookingStatus.AWAITING_APPROVAL, lead_staff_condition(lead))
        .options(joinedload(Booking.user), joinedload(Booking.session).joinedload(CourseSession.course))
        .order_by(Booking.approval_expires_at, Booking.id)
    ).all()


def bookable_sessions(now: datetime) -> Sequence[CourseSession]:
    """Sessions of published courses still to come whose booking window is open, soonest first."""
    return db.session.scalars(
        select(CourseSession)
        .join(Course, CourseSession.course_id == Course.id)
        .where(
            Course.status == CourseStatus.PUBLISHED,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            or_(CourseSession.booking_opens_at.is_(None), CourseSession.booking_opens_at <= now),
            or_(CourseSession.booking_closes_at.is_(None), CourseSession.booking_closes_at > now),
        )
        .options(joinedload(CourseSession.course))
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(BOOKABLE_SESSIONS_LIMIT)
    ).all()
