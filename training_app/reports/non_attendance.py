"""The non-attendance report: no-shows and late cancellations by organisation (with what each owes under
the running partnership's charges) and by person, and the people with repeated no-shows.

Definitions (the page's help text says the same):
- **No-show**: a booking the register marked "did not attend", on a session run in the period.
- **Late cancellation**: a booking cancelled after the cancellation cut-off, on a session in the period.
- **Organisation**: as recorded on the booking when it was made (as every report counts it).
- **Amount**: each no-show and late cancellation at the charge set, when the report is run, by the
  partnership that ran the session (none set: nothing).
- **Reasons**: what people answered to the email asking why they did not attend.
- **Repeated no-shows**: two or more no-shows on sessions that started in the 12 months to now, whatever
  the period chosen (within the admin's partnership), counted by person (their current organisation).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from sqlalchemy import ColumnElement, and_, case, distinct, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Agency, Booking, BookingStatus, CourseSession, Partnership, SessionStatus, User
from ..pagination import Page, paginate
from ..permissions import report_scope
from .scope import NOT_RECORDED, ReportFilters, session_conditions, without_jit

if TYPE_CHECKING:
    from collections.abc import Iterator

REPEATED_NO_SHOWS = 2
PEOPLE_PER_PAGE = 100
RUN = (SessionStatus.SCHEDULED, SessionStatus.COMPLETED)


@dataclass
class OrganisationRow:
    organisation: str
    sector: str
    no_shows: int = 0
    late_cancellations: int = 0
    amount_pence: int = 0


@dataclass
class PersonRow:
    user_id: int
    name: str
    organisation: str
    no_shows: int
    late_cancellations: int
    reasons_given: int


@dataclass
class NonAttendanceReport:
    filters: ReportFilters
    no_shows: int = 0
    late_cancellations: int = 0
    amount_pence: int = 0
    by_organisation: list[OrganisationRow] = field(default_factory=list)
    by_person: list[PersonRow] = field(default_factory=list)
    repeated: list[PersonRow] = field(default_factory=list)
    reasons: list[tuple[str, CourseSession, str | None]] = field(default_factory=list)  # (name, session, reason)
    charging: bool = False
    people_page: Page | None = None  # which page of `by_person` this is


def _counts() -> tuple[ColumnElement[int], ColumnElement[int]]:
    no_show = func.count(case((Booking.status == BookingStatus.NO_SHOW, 1)))
    late = func.count(case((and_(Booking.status == BookingStatus.CANCELLED, Booking.late_cancellation), 1)))
    return no_show, late


def _missed() -> ColumnElement[bool]:
    return (Booking.status == BookingStatus.NO_SHOW) | (
        (Booking.status == BookingStatus.CANCELLED) & Booking.late_cancellation
    )


def non_attendance_report(
    actor: User, filters: ReportFilters, now: datetime, people_page: int | None = 1
) -> NonAttendanceReport:
    """The report for `actor` (a partnership admin sees their own partnership's sessions). Grouped
    queries and one for the charges, whatever the number of bookings. `by_person` is page
    `people_page` of PEOPLE_PER_PAGE (six years of no-shows named 150,000 people: a 54 MB page, issue
    17 goal 5); with `people_page=None` only the organisations' figures are counted (the CSV)."""
    filters = report_scope(actor, filters)
    without_jit()
    report = NonAttendanceReport(filters)
    no_show, late = _counts()
    sessions = [*session_conditions(filters), CourseSession.status.in_(RUN)]
    charges = {
        p.id: (p.no_show_charge_pence or 0, p.late_cancellation_charge_pence or 0)
        for p in db.session.scalars(select(Partnership))
    }
    rows = db.session.execute(
        select(Agency.name, Agency.sector, CourseSession.partnership_id, no_show, late)
        .select_from(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .join(CourseSession.course)
        .outerjoin(Agency, Booking.agency_id == Agency.id)
        .where(*sessions, _missed())
        .group_by(Agency.name, Agency.sector, CourseSession.partnership_id)
    ).all()
    by_organisation: dict[str, OrganisationRow] = {}
    for name, sector, partnership_id, no_shows, lates in rows:
        row = by_organisation.setdefault(name or NOT_RECORDED, OrganisationRow(name or NOT_RECORDED, sector or ""))
        per_no_show, per_late = charges.get(partnership_id, (0, 0))
        row.no_shows += no_shows
        row.late_cancellations += lates
        row.amount_pence += no_shows * per_no_show + lates * per_late
    report.by_organisation = sorted(
        by_organisation.values(), key=lambda r: (-r.no_shows - r.late_cancellations, r.organisation.lower())
    )
    report.no_shows = sum(r.no_shows for r in report.by_organisation)
    report.late_cancellations = sum(r.late_cancellations for r in report.by_organisation)
    report.amount_pence = sum(r.amount_pence for r in report.by_organisation)
    report.charging = any(a or b for a, b in charges.values())
    if people_page is None:
        return report
    missed = [*sessions, _missed()]
    report.people_page = paginate(_people_count(missed), PEOPLE_PER_PAGE, people_page)
    report.by_person = list(_people(missed, report.people_page))
    year_ago = now - relativedelta(years=1)  # 29 February: the 28th a year before
    recent = [
        CourseSession.starts_at >= year_ago,
        CourseSession.starts_at <= now,
        CourseSession.status.in_(RUN),
        Booking.status == BookingStatus.NO_SHOW,
    ]
    if filters.partnership_id is not None:
        recent.append(CourseSession.partnership_id == filters.partnership_id)
    report.repeated = [row for row in _people(recent) if row.no_shows >= REPEATED_NO_SHOWS]
    report.reasons = list(
        db.session.execute(
            select(User.name, CourseSession, Booking.no_show_reason)
            .select_from(Booking)
            .join(CourseSession, Booking.session_id == CourseSession.id)
            .join(CourseSession.course)
            .join(User, Booking.user_id == User.id)
            .options(selectinload(CourseSession.course))
            .where(*sessions, Booking.status == BookingStatus.NO_SHOW, Booking.no_show_reason.is_not(None))
            .order_by(CourseSession.starts_at, Booking.id)
        ).all()
    )
    return report


def _people_count(conditions: list[ColumnElement[bool]]) -> int:
    return (
        db.session.scalar(
            select(func.count(distinct(Booking.user_id)))
            .select_from(Booking)
            .join(CourseSession, Booking.session_id == CourseSession.id)
            .join(CourseSession.course)
            .where(*conditions)
        )
        or 0
    )


def _people(conditions: list[ColumnElement[bool]], page: Page | None = None) -> Iterator[PersonRow]:
    """Per person (their current organisation), most no-shows first; only `page` of them if given."""
    no_show, late = _counts()
    reasons = func.count(case((Booking.no_show_reason.is_not(None), 1)))
    rows = db.session.execute(
        select(User.id, User.name, Agency.name, no_show, late, reasons)
        .select_from(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .join(CourseSession.course)
        .join(User, Booking.user_id == User.id)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(*conditions)
        .group_by(User.id, User.name, Agency.name)
        .order_by(no_show.desc(), late.desc(), func.lower(User.name), User.id)
        .limit(page.per_page if page else None)
        .offset(page.offset if page else None)
    ).all()
    for user_id, name, organisation, no_shows, lates, given in rows:
        yield PersonRow(user_id, name, organisation or NOT_RECORDED, no_shows, lates, given)


def invoice_rows(report: NonAttendanceReport) -> Iterator[list[object]]:
    """The CSV for the finance team: one row per organisation with what it owes for the period."""
    yield ["Organisation", "Sector", "No-shows", "Late cancellations", "Amount (£)"]
    for row in report.by_organisation:
        yield [row.organisation, row.sector, row.no_shows, row.late_cancellations, f"{row.amount_pence / 100:.2f}"]
    yield ["Total", "", report.no_shows, report.late_cancellations, f"{report.amount_pence / 100:.2f}"]
