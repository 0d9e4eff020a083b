"""Rows for the reports' CSV downloads (training_app.csvutil writes them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..extensions import db
from ..models import Agency, Booking, Course, CourseSession, User
from ..permissions import report_scope
from ..timefmt import london_csv
from .annual import EVALUATIONS_PENDING
from .scope import ReportFilters, session_conditions, without_jit

if TYPE_CHECKING:
    from ..models import User
    from .annual import AnnualReport
    from .capacity import CapacityReport, Figures
    from .reach import ReachReport

# A CSV row: the cells csvutil writes (text, numbers, or empty).
CsvRow = tuple[object, ...]


def bookings_rows(actor: User, filters: ReportFilters, batch_size: int = 2000) -> Iterator[CsvRow]:
    """Every booking on sessions in the actor's scope and filters, streamed from the database.

    Yields tuples (header first). Rows are fetched `batch_size` at a time through a server-side
    cursor on PostgreSQL, so memory does not grow with the number of bookings.
    Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    yield (
        "Booking ID",
        "Session ID",
        "Course",
        "Session starts (London)",
        "Session status",
        "Delegate",
        "Email",
        "Agency",
        "Sector",
        "Job role",
        "Booking status",
        "Requested (London)",
        "Cancelled (London)",
        "Late cancellation",
    )
    query = (
        select(
            Booking.id,
            Booking.session_id,
            Course.title,
            CourseSession.starts_at,
            CourseSession.status,
            User.name,
            User.email,
            Agency.label_sql().label("agency"),
            Agency.sector,
            Booking.job_role,
            Booking.status.label("booking_status"),
            Booking.requested_at,
            Booking.cancelled_at,
            Booking.late_cancellation,
        )
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .join(User, User.id == Booking.user_id)
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(*session_conditions(filters))
        .order_by(CourseSession.starts_at, Booking.session_id, Booking.id)
        # stream_results: a server-side cursor on PostgreSQL, read `batch_size` rows at a time.
        .execution_options(stream_results=True, max_row_buffer=batch_size, yield_per=batch_size)
    )
    # Core execution on the session's connection: no ORM row processing for a million rows.
    result = db.session.connection().execute(query)
    try:
        for partition in result.partitions(batch_size):
            for (
                booking_id,
                session_id,
                title,
                starts_at,
                session_status,
                name,
                email,
                agency,
                sector,
                job_role,
                status,
                requested_at,
                cancelled_at,
                late,
            ) in partition:
                yield (
                    booking_id,
                    session_id,
                    title,
                    london_csv(starts_at),
                    session_status,
                    name,
                    email,
                    agency,
                    sector,
                    job_role,
                    status,
                    london_csv(requested_at),
                    london_csv(cancelled_at),
                    "yes" if late else "no",
                )
    finally:
        result.close()


def rate(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


FIGURE_HEADER = (
    "Sessions run",
    "Capacity",
    "Confirmed (places taken)",
    "Waitlisted",
    "Fill rate",
    "Attended",
    "No-shows",
    "No-show rate",
    "Cancellations",
    "Late cancellations",
)


def figure_cells(figures: Figures) -> CsvRow:
    return (
        figures.sessions,
        figures.capacity,
        figures.confirmed,
        figures.waitlisted,
        rate(figures.fill_rate),
        figures.attended,
        figures.no_shows,
        rate(figures.no_show_rate),
        figures.cancellations,
        figures.late_cancellations,
    )


def capacity_rows(report: CapacityReport) -> Iterator[CsvRow]:
    """CSV rows of a capacity report: every session, then each roll-up, then the total."""
    codes = report.partnership_codes
    yield (
        ("Breakdown", "Session ID", "Course / group", "Level", "Starts (London)", "Under-filled")
        + FIGURE_HEADER
        + ("Run by", "Course owner")
    )
    for row in report.sessions:
        yield (
            (
                "Session",
                row.id,
                row.course_title,
                row.level_label,
                london_csv(row.starts_at),
                "yes" if row.underfilled else "no",
            )
            + figure_cells(row.figures)
            + (codes[row.partnership_id], codes[row.owner_partnership_id])
        )
    for name, groups in (
        ("Course", report.by_course),
        ("Level", report.by_level),
        ("Partnership", report.by_partnership),
        ("Month", report.by_month),
        ("Financial year", report.by_financial_year),
    ):
        for group in groups:
            yield (name, "", group.label, "", "", "") + figure_cells(group.figures) + ("", group.detail)
    yield ("Total", "", "All sessions in the report", "", "", "") + figure_cells(report.totals) + ("", "")


def reach_rows(report: ReachReport) -> Iterator[CsvRow]:
    yield ("Breakdown", "Group", "Detail", "Delegates (attended)", "Unique practitioners")
    yield ("Total", "All", "", report.delegates, report.practitioners)
    for name, rows in (
        ("Agency", report.by_agency),
        ("Sector", report.by_sector),
        ("Partnership", report.by_partnership),
        ("Job role", report.by_job_role),
    ):
        for row in rows:
            yield (name, row.label, row.detail, row.delegates, row.practitioners)
    yield ("E-learning", "All e-learning", "", report.elearning_completions, report.elearning_practitioners)
    for row in report.elearning_by_course:
        yield ("E-learning course", row.label, "", row.delegates, row.practitioners)


def annual_rows(report: AnnualReport) -> Iterator[CsvRow]:
    f = report.filters
    yield ("Section", "Item", "Detail", "Value", "Second value")
    yield ("Period", "From", "", f.date_from.isoformat(), "")
    yield ("Period", "To", "", f.date_to.isoformat(), "")
    yield ("Headline", "Courses delivered", "", report.courses_delivered, "")
    yield ("Headline", "Sessions delivered", "", report.sessions_delivered, "")
    yield ("Headline", "Delegates trained (attended)", "", report.delegates, "")
    yield ("Headline", "Unique practitioners", "", report.practitioners, "")
    yield ("Headline", "E-learning completions", "", report.elearning_completions, "")
    for row in report.by_agency:
        yield ("Agency (delegates, unique practitioners)", row.label, row.detail, row.delegates, row.practitioners)
    for row in report.by_sector:
        yield ("Sector (delegates, unique practitioners)", row.label, "", row.delegates, row.practitioners)
    for course in report.courses:
        yield ("Course (sessions delivered, delegates)", course.title, course.owner, course.sessions, course.delegates)
        if course.distance is not None and course.distance.mean_change is not None:
            yield (
                "Course distance travelled (mean change, delegates paired)",
                course.title,
                "",
                round(course.distance.mean_change, 2),
                course.distance.n,
            )
    if not any(course.distance is not None for course in report.courses):
        yield ("Evaluations", EVALUATIONS_PENDING, "", "", "")
    for comment in report.impact_comments:
        yield ("Impact comment", comment.course_title, "", comment.text, "")
