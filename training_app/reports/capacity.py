"""The capacity report: sessions run, places taken, waiting lists, attendance and cancellations.

Definitions are in training_app.reports.scope's docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ColumnElement, Label, and_, func, select

from .. import clock
from ..constants import REPORTS_UNDERFILLED_DAYS, REPORTS_UNDERFILLED_THRESHOLD
from ..extensions import db
from ..models import Booking, BookingStatus, Course, CourseSession, SessionStatus
from ..permissions import report_scope
from .queries import partnership_choices
from .scope import ReportFilters, financial_year_label, level_label, running_conditions, session_conditions, without_jit

if TYPE_CHECKING:
    from ..models import User

# A roll-up's key for one session and its label, e.g. ((2026, 4), "April 2026").
KeyAndLabel = tuple[Hashable, str]


@dataclass
class Figures:
    """Capacity figures for one session or a group of sessions (see the module docstring)."""

    sessions: int = 0
    capacity: int = 0
    confirmed: int = 0
    waitlisted: int = 0
    attended: int = 0
    no_shows: int = 0
    cancellations: int = 0
    late_cancellations: int = 0

    COUNTS: ClassVar[tuple[str, ...]] = (
        "sessions",
        "capacity",
        "confirmed",
        "waitlisted",
        "attended",
        "no_shows",
        "cancellations",
        "late_cancellations",
    )

    def add(self, other: Figures) -> Figures:
        # Spelled out: this runs once per session per roll-up, tens of thousands of times a page.
        self.sessions += other.sessions
        self.capacity += other.capacity
        self.confirmed += other.confirmed
        self.waitlisted += other.waitlisted
        self.attended += other.attended
        self.no_shows += other.no_shows
        self.cancellations += other.cancellations
        self.late_cancellations += other.late_cancellations
        return self

    @property
    def fill_rate(self) -> float | None:
        """Places taken ÷ capacity (None when there is no capacity)."""
        return self.confirmed / self.capacity if self.capacity else None

    @property
    def no_show_rate(self) -> float | None:
        """No-shows ÷ (attended + no-shows) (None until a register is taken)."""
        marked = self.attended + self.no_shows
        return self.no_shows / marked if marked else None

    @property
    def unmet_demand(self) -> bool:
        return self.waitlisted > 0


@dataclass
class SessionFigures:
    id: int
    course_id: int
    course_title: str
    level: int | None
    level_kind: str | None
    starts_at: datetime
    status: str
    partnership_id: int  # the partnership that runs the session: the one it counts for
    owner_partnership_id: int  # the course's owner, shown beside it
    figures: Figures
    underfilled: bool = False

    @property
    def level_label(self) -> str:
        return level_label(self.level, self.level_kind)


@dataclass
class Group:
    key: Hashable
    label: str
    figures: Figures = field(default_factory=Figures)
    detail: str = ""  # e.g. a course's owner


@dataclass
class CapacityReport:
    filters: ReportFilters
    sessions: list[SessionFigures]
    totals: Figures
    by_course: list[Group]
    by_level: list[Group]
    by_partnership: list[Group]
    by_month: list[Group]
    by_financial_year: list[Group]
    underfilled: list[SessionFigures]
    unmet_demand: list[Group]
    underfilled_days: int
    underfilled_threshold: float
    partnership_codes: dict[int, str] = field(default_factory=dict)  # id: code, for "Run by" and owners


COUNTED = ("confirmed", "waitlisted", "attended", "no_shows", "cancellations", "late_cancellations")


def booking_counts() -> list[Label[Any]]:
    """Labelled SQL counts over Booking rows (use with GROUP BY), named as in COUNTED."""
    return [
        func.count().filter(Booking.status.in_(BookingStatus.HOLDS_PLACE)).label("confirmed"),
        func.count().filter(Booking.status == BookingStatus.WAITLISTED).label("waitlisted"),
        func.count().filter(Booking.status == BookingStatus.ATTENDED).label("attended"),
        func.count().filter(Booking.status == BookingStatus.NO_SHOW).label("no_shows"),
        func.count().filter(Booking.status == BookingStatus.CANCELLED).label("cancellations"),
        func.count()
        .filter(and_(Booking.status == BookingStatus.CANCELLED, Booking.late_cancellation.is_(True)))
        .label("late_cancellations"),
    ]


def session_figures(conditions: Iterable[ColumnElement[bool]]) -> list[SessionFigures]:
    """Per-session figures for sessions run matching `conditions`, in one statement.

    Only scheduled and completed sessions are included. Returns SessionFigures in start order.
    The bookings are counted per session id alone, from the index on (session_id, status,
    late_cancellation), and only then joined to their sessions and courses: grouping the joined
    rows by every session and course column took 1.5-2.2 s for six years (1,000,000 bookings) on
    the 2-core machine under load, counting first 0.35 s (issue 17 goal 5, bench/reports_bench.py).
    """
    conditions = [CourseSession.status.in_(SessionStatus.RUNS), *conditions]
    matching = select(CourseSession.id).join(Course, Course.id == CourseSession.course_id).where(*conditions)
    counted = (
        select(Booking.session_id, *booking_counts())
        .where(Booking.session_id.in_(matching))
        .group_by(Booking.session_id)
        .subquery()
    )
    query = (
        select(
            CourseSession.id,
            CourseSession.course_id,
            Course.title,
            Course.level,
            Course.level_kind,
            Course.owner_partnership_id,
            CourseSession.partnership_id,
            CourseSession.starts_at,
            CourseSession.status,
            CourseSession.capacity,
            *(func.coalesce(counted.c[name], 0).label(name) for name in COUNTED),
        )
        .select_from(CourseSession)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(counted, counted.c.session_id == CourseSession.id)
        .where(*conditions)
        .order_by(CourseSession.starts_at, CourseSession.id)
    )
    rows = db.session.execute(query).all()
    return [
        SessionFigures(
            id=row.id,
            course_id=row.course_id,
            course_title=row.title,
            level=row.level,
            level_kind=row.level_kind,
            starts_at=row.starts_at,
            status=row.status,
            partnership_id=row.partnership_id,
            owner_partnership_id=row.owner_partnership_id,
            figures=Figures(
                sessions=1,
                capacity=row.capacity,
                confirmed=row.confirmed,
                waitlisted=row.waitlisted,
                attended=row.attended,
                no_shows=row.no_shows,
                cancellations=row.cancellations,
                late_cancellations=row.late_cancellations,
            ),
        )
        for row in rows
    ]


def roll_up(
    rows: Iterable[SessionFigures], key_and_label: Callable[[SessionFigures], Sequence[KeyAndLabel]]
) -> list[Group]:
    """Sum SessionFigures into Groups; `key_and_label(row)` returns one or more (key, label) pairs."""
    groups: dict[Hashable, Group] = {}
    for row in rows:
        pairs = key_and_label(row)
        for key, label in pairs:
            group = groups.get(key)
            if group is None:
                group = groups[key] = Group(key, label)
            group.figures.add(row.figures)
    return [groups[key] for key in sorted(groups, key=_sort_key)]


def _sort_key(key: Hashable) -> tuple[bool, Any]:
    # None (no level) sorts last; mixed keys compare as strings.
    return (key is None, str(key) if not isinstance(key, (int, tuple)) else key)


def capacity_report(
    actor: User,
    filters: ReportFilters,
    now: datetime | None = None,
    underfilled_days: int = REPORTS_UNDERFILLED_DAYS,
    underfilled_threshold: float = REPORTS_UNDERFILLED_THRESHOLD,
) -> CapacityReport:
    """Capacity, demand and attendance for the actor's scope and filters.

    Per session, and rolled up per course, level, partnership (the one running each session, so
    the rows add up to the total), month and financial year (London dates). Under-filled:
    scheduled sessions starting within `underfilled_days` from `now` whose fill rate is below
    `underfilled_threshold` (whatever the period filter). Unmet demand: courses with anyone on a
    waiting list in the period. Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    partnerships = {p.id: p.code for p in partnership_choices()}

    rows = session_figures(session_conditions(filters))
    upcoming = session_figures(
        [
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
            CourseSession.starts_at <= now + timedelta(days=underfilled_days),
            *running_conditions(filters),
        ]
    )
    underfilled = [
        row for row in upcoming if row.figures.fill_rate is not None and row.figures.fill_rate < underfilled_threshold
    ]
    underfilled_ids = {row.id for row in underfilled}
    for row in rows + underfilled:
        row.underfilled = row.id in underfilled_ids

    totals = Figures()
    for row in rows:
        totals.add(row.figures)

    def by_partnership(row: SessionFigures) -> list[KeyAndLabel]:
        code = partnerships[row.partnership_id]
        return [(code, code)]

    def by_month(row: SessionFigures) -> list[KeyAndLabel]:
        local = clock.to_london(row.starts_at)
        return [((local.year, local.month), local.strftime("%B %Y"))]

    def by_year(row: SessionFigures) -> list[KeyAndLabel]:
        label = financial_year_label(clock.to_london(row.starts_at).date())
        return [(label, label)]

    by_course = roll_up(rows, lambda row: [((row.course_title, row.course_id), row.course_title)])
    owners: dict[Hashable, str] = {
        (row.course_title, row.course_id): partnerships[row.owner_partnership_id] for row in rows
    }
    for group in by_course:
        group.detail = owners[group.key]
    return CapacityReport(
        filters=filters,
        sessions=rows,
        totals=totals,
        by_course=by_course,
        by_level=roll_up(rows, lambda row: [((row.level or 99, row.level_kind or ""), row.level_label)]),
        by_partnership=roll_up(rows, by_partnership),
        by_month=roll_up(rows, by_month),
        by_financial_year=roll_up(rows, by_year),
        underfilled=underfilled,
        # Largest waiting lists first: where more sessions would be filled.
        unmet_demand=sorted(
            (group for group in by_course if group.figures.unmet_demand),
            key=lambda group: (-group.figures.waitlisted, group.label),
        ),
        underfilled_days=underfilled_days,
        underfilled_threshold=underfilled_threshold,
        partnership_codes=partnerships,
    )
