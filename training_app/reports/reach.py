"""The reach report: who the programme reached (delegates and unique practitioners) and e-learning."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Label, Row, Select, String, cast, distinct, func, literal_column, null, select, union_all

from ..extensions import db
from ..models import (
    Agency,
    Booking,
    BookingStatus,
    Course,
    CourseFormat,
    CourseSession,
    ElearningCompletion,
    Partnership,
)
from ..permissions import report_scope

if TYPE_CHECKING:
    from ..models import User
from .scope import NOT_RECORDED, ReportFilters, course_conditions, session_conditions, without_jit


@dataclass
class ReachRow:
    label: str
    delegates: int
    practitioners: int
    detail: str = ""


@dataclass
class ReachReport:
    filters: ReportFilters
    delegates: int
    practitioners: int
    by_agency: list[ReachRow]
    by_sector: list[ReachRow]
    by_partnership: list[ReachRow]
    by_job_role: list[ReachRow]
    elearning_completions: int
    elearning_practitioners: int
    elearning_by_course: list[ReachRow]


@dataclass
class Breakdowns:
    """What attended_breakdowns returns; by_course ({course_id: ReachRow}) only when asked."""

    delegates: int
    practitioners: int
    by_agency: list[ReachRow]
    by_sector: list[ReachRow]
    by_partnership: list[ReachRow]
    by_job_role: list[ReachRow]
    by_course: dict[int, ReachRow] | None = None


ALL_DIMENSIONS = frozenset({"agency", "sector", "partnership", "job_role"})


def attended_breakdowns(
    filters: ReportFilters, by_course: bool = False, dimensions: frozenset[str] = ALL_DIMENSIONS
) -> Breakdowns:
    """Delegates and unique practitioners: totals, and by agency, sector, partnership and job role
    (and by course when asked); `dimensions` names the breakdowns to count (the others come back
    empty), since each costs a sort of every attended booking.

    One statement: the attended bookings in scope are selected once (a CTE, which PostgreSQL
    materialises because it is used several times) and each breakdown is a GROUP BY over it,
    joined with UNION ALL. Unique practitioners need COUNT(DISTINCT) per group, so they cannot be
    summed from smaller groups. Measured (bench/annual_pack_bench.py, 520,000 attended bookings on
    PostgreSQL, loaded 2-core machine): about 0.5 s per breakdown, so the annual pack asks only for
    the four it shows (agency, sector, course and the total) and the earlier years only for sector.
    """
    columns = [Booking.user_id, Booking.agency_id, Agency.sector, Course.id.label("course_id")]
    if "job_role" in dimensions:
        columns.append(Booking.job_role)
    if "partnership" in dimensions:
        columns.append(CourseSession.partnership_id)
    # The organisation's sector is read here, so the sector grouping sorts narrow rows; the agency
    # grouping groups by id and names the organisations afterwards (15% less time than grouping
    # by the joined names).
    attended = (
        select(*columns)
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(Booking.status == BookingStatus.ATTENDED, *session_conditions(filters))
        .cte("attended")
    )
    a = attended.c
    counts = (func.count().label("delegates"), func.count(distinct(a.user_id)).label("practitioners"))
    no_text = cast(null(), String)

    def dimension(name: str) -> Label[str]:
        return literal_column(f"'{name}'", String).label("dimension")

    def by_agency() -> Select[Any]:
        per_agency = select(a.agency_id, *counts).group_by(a.agency_id).subquery()
        return select(
            dimension("agency"), Agency.label_sql(), Agency.sector, per_agency.c.delegates, per_agency.c.practitioners
        ).outerjoin_from(per_agency, Agency, Agency.id == per_agency.c.agency_id)

    wanted = {
        "agency": by_agency,
        "sector": lambda: select(dimension("sector"), a.sector, no_text, *counts).group_by(a.sector),
        # Each delegate counts once, for the partnership that ran their session.
        "partnership": lambda: (
            select(dimension("partnership"), Partnership.code, Partnership.name, *counts)
            .select_from(attended)
            .join(Partnership, Partnership.id == a.partnership_id)
            .group_by(Partnership.code, Partnership.name)
        ),
        "job_role": lambda: select(dimension("job_role"), a.job_role, no_text, *counts).group_by(a.job_role),
    }
    parts = [
        select(dimension("total"), no_text.label("label"), no_text.label("detail"), *counts).select_from(attended),
        *(build() for name, build in wanted.items() if name in dimensions),
    ]
    if by_course:
        parts.append(
            select(dimension("course"), cast(a.course_id, String), no_text, *counts)
            .select_from(attended)
            .group_by(a.course_id)
        )
    grouped: defaultdict[str, list[Row[Any]]] = defaultdict(list)
    for row in db.session.execute(union_all(*parts)):
        grouped[row.dimension].append(row)
    total = grouped["total"][0]

    def ordered(name: str) -> list[ReachRow]:
        items = [
            ReachRow(row.label or NOT_RECORDED, row.delegates, row.practitioners, row.detail or "")
            for row in grouped[name]
        ]
        return sorted(items, key=lambda item: (-item.delegates, item.label == NOT_RECORDED, item.label))

    return Breakdowns(
        delegates=total.delegates,
        practitioners=total.practitioners,
        by_agency=ordered("agency"),
        by_sector=ordered("sector"),
        by_partnership=sorted(ordered("partnership"), key=lambda item: item.label),
        by_job_role=ordered("job_role"),
        by_course={int(row.label): ReachRow(row.label, row.delegates, row.practitioners) for row in grouped["course"]}
        if by_course
        else None,
    )


def elearning_figures(filters: ReportFilters) -> tuple[int, int, list[ReachRow]]:
    """E-learning completions in the period: total, distinct people, and per course."""
    start, end = filters.utc_bounds
    conditions = [
        Course.format == CourseFormat.ELEARNING,
        ElearningCompletion.completed_at >= start,
        ElearningCompletion.completed_at < end,
        *course_conditions(filters),
    ]
    base = select().select_from(ElearningCompletion).join(Course, Course.id == ElearningCompletion.course_id)
    total, people = db.session.execute(
        base.add_columns(func.count(ElearningCompletion.id), func.count(distinct(ElearningCompletion.user_id))).where(
            *conditions
        )
    ).one()
    per_course = db.session.execute(
        base.add_columns(
            Course.title,
            func.count(ElearningCompletion.id).label("completions"),
            func.count(distinct(ElearningCompletion.user_id)).label("practitioners"),
        )
        .where(*conditions)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    return total, people, [ReachRow(row.title, row.completions, row.practitioners) for row in per_course]


def reach_report(actor: User, filters: ReportFilters) -> ReachReport:
    """Who the programme reached in the period: delegates (attended bookings) and unique practitioners
    by agency, sector, partnership (the one that ran the session, so each delegate counts once) and
    job role, plus e-learning completions (which count for every partnership the course counts
    for). Raises ReportForbidden for non-administrators.
    """
    filters = report_scope(actor, filters)
    without_jit()
    breakdowns = attended_breakdowns(filters)
    completions, people, per_course = elearning_figures(filters)
    return ReachReport(
        filters=filters,
        delegates=breakdowns.delegates,
        practitioners=breakdowns.practitioners,
        by_agency=breakdowns.by_agency,
        by_sector=breakdowns.by_sector,
        by_partnership=breakdowns.by_partnership,
        by_job_role=breakdowns.by_job_role,
        elearning_completions=completions,
        elearning_practitioners=people,
        elearning_by_course=per_course,
    )
