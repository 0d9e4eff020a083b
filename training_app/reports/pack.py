"""The annual report pack as a document (issue 16): for a partnership and a period (normally a
financial year), the pack's figures (reports.annual) with year-on-year trends over the period and
the two before it, the themed suites (reports.suites) and the traceability of the partnership's
case reviews (reports.traceability). templates/pdf/annual_pack.html prints it; reports.pack_exports
writes the same content as CSV.

Trends: delegates and unique people, delegates by sector, and distance travelled over the courses
delivered (each pooled per delegate by evaluations.figures.pooled_by_course, then added together), for
the same dates one and two years earlier.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select

from .. import clock
from ..evaluations.figures import pooled_by_course
from ..evaluations.statistics import PairStat
from ..extensions import db
from ..models import Course, CourseSession, Partnership
from ..models.reviews import CaseReview
from ..permissions import report_scope
from .annual import AnnualReport, annual_report, delivered_condition
from .reach import ReachRow, attended_breakdowns
from .scope import ReportFilters, financial_year_label, financial_year_start, session_conditions
from .side_by_side import side_by_side
from .suites import SuiteFigures, combined, suites_of
from .traceability import (
    CourseDistances,
    Traceability,
    attended_by_recommendation,
    distance_scope,
    load_review,
    traceability_report,
)

if TYPE_CHECKING:
    from ..models import User

TREND_YEARS = 3  # the chosen period and the two before it
ALL_PARTNERSHIPS = "Hampshire, Isle of Wight, Portsmouth and Southampton (HIPS): all four partnerships"


@dataclass
class YearFigures:
    label: str
    filters: ReportFilters
    delegates: int
    practitioners: int
    by_sector: list[ReachRow]
    distance: PairStat

    @property
    def distance_mean(self) -> float:
        return self.distance.mean_change or 0.0

    def sector(self, name: str) -> int:
        return next((row.delegates for row in self.by_sector if row.label == name), 0)


@dataclass
class AnnualPack:
    partnership_name: str
    generated_at: datetime
    report: AnnualReport
    years: list[YearFigures]  # oldest first; the last is the chosen period
    sectors: list[str]  # every sector seen in the three years, most delegates (this year) first
    suites: list[SuiteFigures]
    reviews: list[Traceability]

    @property
    def this_year(self) -> YearFigures:
        return self.years[-1]

    @property
    def sector_table(self) -> dict[str, list[int]]:
        """{sector: [delegates in each year, oldest first]}."""
        return {sector: [year.sector(sector) for year in self.years] for sector in self.sectors}


def years_earlier(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def period_label(filters: ReportFilters) -> str:
    """ "2026/27" for a financial year, else the dates."""
    start = financial_year_start(filters.date_from)
    if filters.date_from == start and filters.date_to == date(start.year + 1, 3, 31):
        return financial_year_label(filters.date_from)
    return f"{filters.date_from:%-d %b %Y} to {filters.date_to:%-d %b %Y}"


def delivered_courses(filters: ReportFilters, now: datetime) -> set[int]:
    """The courses with a session delivered in the period (run by the partnership)."""
    return set(
        db.session.scalars(
            select(CourseSession.course_id)
            .distinct()
            .join(Course, Course.id == CourseSession.course_id)
            .where(delivered_condition(now), *session_conditions(filters))
        )
    )


def earlier_year(filters: ReportFilters, now: datetime) -> YearFigures:
    """An earlier year's trend figures, by the definitions of the chosen year's (see annual_pack)."""
    breakdowns = attended_breakdowns(filters, dimensions=frozenset({"sector"}))
    per_course, _ = pooled_by_course(distance_scope(filters))
    delivered = delivered_courses(filters, now)
    distance = combined([stat for course_id, stat in per_course.items() if course_id in delivered])
    return YearFigures(
        period_label(filters), filters, breakdowns.delegates, breakdowns.practitioners, breakdowns.by_sector, distance
    )


def annual_pack(actor: User, filters: ReportFilters, now: datetime | None = None) -> AnnualPack:
    """Everything the annual pack document shows. Raises ReportForbidden for non-administrators.

    The chosen year's figures are the annual report's (reports.annual), read once: distance travelled
    over all courses is its courses' figures (each pooled per delegate, for the courses delivered in the
    period) added together, and the earlier years' are made the same way.
    """
    filters = report_scope(actor, filters)
    now = now or clock.now()
    earlier_filters = [
        replace(filters, date_from=years_earlier(filters.date_from, back), date_to=years_earlier(filters.date_to, back))
        for back in range(TREND_YEARS - 1, 0, -1)
    ]
    # The earlier years are read while the chosen year is (side by side on PostgreSQL).
    report, *years = side_by_side(
        lambda: annual_report(actor, filters, now),
        *(partial(earlier_year, earlier, now) for earlier in earlier_filters),
    )
    per_course = {course.course_id: course.distance for course in report.courses if course.distance is not None}
    this_year = YearFigures(
        period_label(filters),
        filters,
        report.delegates,
        report.practitioners,
        report.by_sector,
        combined(list(per_course.values())),
    )
    years.append(this_year)
    seen: dict[str, int] = {}
    for year in years:
        for row in year.by_sector:
            seen.setdefault(row.label, 0)
    for row in years[-1].by_sector:
        seen[row.label] = row.delegates
    sectors = sorted(seen, key=lambda name: (-seen[name], name))
    suites = suites_of(report, now)
    review_query = select(CaseReview.id).order_by(CaseReview.published_on, CaseReview.id)
    if filters.partnership_id is not None:
        review_query = review_query.where(CaseReview.partnership_id == filters.partnership_id)
    loaded = [review for review_id in db.session.scalars(review_query) if (review := load_review(review_id))]
    # The reviews' courses' figures are the report's (same period, partnership and definitions), and
    # distance travelled per outcome is read only for the courses whose links name outcomes.
    distances = CourseDistances.for_all_courses(
        filters,
        per_course,
        frozenset(
            link.course_id
            for review in loaded
            for rec in review.recommendations
            for link in rec.links
            if link.outcome_indexes
        ),
    )
    figures = {course.course_id: (course.sessions, course.delegates, course.practitioners) for course in report.courses}
    reached = attended_by_recommendation(
        filters, [rec.id for review in loaded for rec in review.recommendations if rec.links]
    )
    reviews = [
        traceability_report(
            actor, review, filters, now, distances, breakdowns=False, course_figures=figures, reached=reached
        )
        for review in loaded
    ]
    if filters.partnership_id is not None:
        partnership = db.session.get(Partnership, filters.partnership_id)
        name = f"{partnership.name} ({partnership.code})" if partnership else ALL_PARTNERSHIPS
    else:
        name = ALL_PARTNERSHIPS
    return AnnualPack(name, now, report, years, sectors, suites, reviews)
