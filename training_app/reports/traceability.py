"""Traceability of a case review's learning (issue 16): recommendation → courses → sessions held →
people trained (by organisation and sector) → distance travelled on the linked outcomes → follow-up.

Sessions, delegates and people follow the reports' definitions (reports.scope, reports.annual): a
session counts for the partnership that ran it, in the period when it started; delivered means
completed, or scheduled and over; delegates are attended bookings, people the different persons
among them; organisation and sector are as recorded on the booking.

Distance travelled and follow-up impact come from the evaluations area unchanged
(evaluations.figures.paired_outcomes, pooled_by_course and satisfaction, for the same period and
partnership): per linked outcome when the link names outcomes, else the course pooled per delegate,
each with its 95% interval (evaluations.statistics.PairStat).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..evaluations.figures import paired_outcomes, pooled_by_course, satisfaction
from ..evaluations.scope import Scope
from ..evaluations.statistics import PairStat, SatisfactionStat
from ..extensions import db
from ..models import Agency, Booking, BookingStatus, Course, CourseSession, EvaluationStage
from ..models.reviews import CaseReview, RecommendationCourse, ReviewRecommendation
from ..permissions import report_scope
from .annual import delivered_condition
from .reach import ReachRow
from .scope import NOT_RECORDED, ReportFilters, session_conditions, without_jit

if TYPE_CHECKING:
    from ..models import User


@dataclass
class OutcomeDistance:
    label: str  # "2. Share information"
    stat: PairStat


@dataclass
class CourseTrace:
    course_id: int
    title: str
    sessions: int = 0
    delegates: int = 0
    practitioners: int = 0
    outcomes: list[OutcomeDistance] = field(default_factory=list)  # the linked outcomes, when named
    whole_course: PairStat | None = None  # pooled per delegate, when the link is the whole course
    follow_up: list[SatisfactionStat] = field(default_factory=list)


@dataclass
class RecommendationTrace:
    id: int
    number: int
    text: str
    courses: list[CourseTrace]
    sessions: int = 0
    delegates: int = 0
    practitioners: int = 0
    by_agency: list[ReachRow] = field(default_factory=list)
    by_sector: list[ReachRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"Recommendation {self.number}"


@dataclass
class Traceability:
    review: CaseReview
    filters: ReportFilters
    recommendations: list[RecommendationTrace]


def load_review(review_id: int) -> CaseReview | None:
    """The review with its recommendations and their linked courses (three statements)."""
    return db.session.scalar(
        select(CaseReview)
        .where(CaseReview.id == review_id)
        .options(
            selectinload(CaseReview.recommendations)
            .selectinload(ReviewRecommendation.links)
            .selectinload(RecommendationCourse.course)
        )
    )


def _course_figures(filters: ReportFilters, course_ids: set[int], now: datetime) -> dict[int, tuple[int, int, int]]:
    """{course_id: (sessions delivered, delegates, people)} in the period, for the linked courses."""
    if not course_ids:
        return {}
    conditions = [Course.id.in_(course_ids), *session_conditions(filters)]
    sessions = dict(
        db.session.execute(
            select(CourseSession.course_id, func.count(CourseSession.id))
            .join(Course, Course.id == CourseSession.course_id)
            .where(delivered_condition(now), *conditions)
            .group_by(CourseSession.course_id)
        ).all()
    )
    attended = {
        course_id: (int(delegates), int(people))
        for course_id, delegates, people in db.session.execute(
            select(CourseSession.course_id, func.count(Booking.id), func.count(distinct(Booking.user_id)))
            .select_from(Booking)
            .join(CourseSession, CourseSession.id == Booking.session_id)
            .join(Course, Course.id == CourseSession.course_id)
            .where(Booking.status == BookingStatus.ATTENDED, *conditions)
            .group_by(CourseSession.course_id)
        )
    }
    return {cid: (int(sessions.get(cid, 0)), *attended.get(cid, (0, 0))) for cid in course_ids}


def attended_by_recommendation(filters: ReportFilters, recommendation_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{recommendation_id: (delegates, people)} over its courses' attended bookings in the period, in one
    statement: people are counted once however many of the recommendation's courses they attended."""
    if not recommendation_ids:
        return {}
    rows = db.session.execute(
        select(RecommendationCourse.recommendation_id, func.count(Booking.id), func.count(distinct(Booking.user_id)))
        .select_from(RecommendationCourse)
        .join(Course, Course.id == RecommendationCourse.course_id)
        .join(CourseSession, CourseSession.course_id == Course.id)
        .join(Booking, Booking.session_id == CourseSession.id)
        .where(
            RecommendationCourse.recommendation_id.in_(recommendation_ids),
            Booking.status == BookingStatus.ATTENDED,
            *session_conditions(filters),
        )
        .group_by(RecommendationCourse.recommendation_id)
    )
    return {rec_id: (int(delegates), int(people)) for rec_id, delegates, people in rows}


def reach_of_courses(filters: ReportFilters, course_ids: list[int]) -> tuple[list[ReachRow], list[ReachRow]]:
    """(by organisation, by sector) over attended bookings on the courses' sessions in the period."""
    if not course_ids:
        return [], []
    base = (
        select()
        .select_from(Booking)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .outerjoin(Agency, Agency.id == Booking.agency_id)
        .where(Booking.status == BookingStatus.ATTENDED, Course.id.in_(course_ids), *session_conditions(filters))
    )
    counts = (func.count(Booking.id), func.count(distinct(Booking.user_id)))
    by_agency = [
        ReachRow(label or NOT_RECORDED, int(d), int(p), detail=sector or NOT_RECORDED)
        for label, sector, d, p in db.session.execute(
            base.add_columns(Agency.label_sql(), Agency.sector, *counts).group_by(
                Agency.id, Agency.name, Agency.status, Agency.sector
            )
        )
    ]
    by_sector = [
        ReachRow(sector or NOT_RECORDED, int(d), int(p))
        for sector, d, p in db.session.execute(base.add_columns(Agency.sector, *counts).group_by(Agency.sector))
    ]
    by_agency.sort(key=lambda row: (-row.delegates, row.label))
    by_sector.sort(key=lambda row: (-row.delegates, row.label))
    return by_agency, by_sector


def distance_scope(filters: ReportFilters, course_id: int | None = None) -> Scope:
    """The evaluations' scope for the report's period, partnership and level (and one course)."""
    start, end = filters.utc_bounds
    return Scope(
        partnership_id=filters.partnership_id,
        course_id=course_id if course_id is not None else filters.course_id,
        level=filters.level,
        date_from=start,
        date_to=end,
    )


@dataclass
class CourseDistances:
    """The evaluations area's figures for the linked courses: paired per (course, outcome), pooled per
    course, and follow-up answers per course. `everything` means they were read for every course at
    once, without follow-up (the annual pack, which covers many reviews and shows no follow-up);
    otherwise a course is read when first asked."""

    filters: ReportFilters
    paired: dict[tuple[int, int], PairStat] = field(default_factory=dict)
    pooled: dict[int, PairStat] = field(default_factory=dict)
    follow_up: dict[int, list[SatisfactionStat]] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)
    everything: bool = False
    with_follow_up: bool = True

    @classmethod
    def for_all_courses(
        cls, filters: ReportFilters, pooled: dict[int, PairStat], outcome_courses: frozenset[int] | None = None
    ) -> CourseDistances:
        """Every course's figures with one paired_outcomes call; `pooled` is pooled_by_course's answer
        for the same scope (the pack has it already). Per-outcome figures are read for
        `outcome_courses` only when given (the courses whose links name outcomes: in the pack
        benchmark a seventh of the ratings, 1.1 s to 0.2 s)."""
        distances = cls(filters, pooled=pooled, everything=True, with_follow_up=False)
        scope = distance_scope(filters)
        if outcome_courses is not None:
            if not outcome_courses:
                return distances
            scope = replace(scope, course_ids=outcome_courses)
        for stat in paired_outcomes(scope):
            if stat.course_id is not None and stat.outcome_index is not None:
                distances.paired[stat.course_id, stat.outcome_index] = stat
        return distances

    def load(self, link: RecommendationCourse) -> None:
        course_id = link.course_id
        if course_id in self.loaded:
            return
        self.loaded.add(course_id)
        scope = distance_scope(self.filters, course_id)
        if not self.everything:
            if link.outcome_indexes:
                for stat in paired_outcomes(scope):
                    if stat.outcome_index is not None:
                        self.paired[course_id, stat.outcome_index] = stat
            else:
                self.pooled.update(pooled_by_course(scope)[0])
        if self.with_follow_up:
            self.follow_up[course_id] = [s for s in satisfaction(scope) if s.stage == EvaluationStage.FOLLOW_UP]

    def fill(self, link: RecommendationCourse, trace: CourseTrace) -> None:
        """The trace's distance travelled (linked outcomes, or the whole course) and follow-up impact."""
        self.load(link)
        if link.outcome_indexes:
            outcomes = link.course.learning_outcomes or []
            for index in sorted(link.outcome_indexes):
                wording = outcomes[index] if index < len(outcomes) else ""
                found = self.paired.get((link.course_id, index))
                stat = replace(found) if found else PairStat("", course_id=link.course_id, outcome_index=index)
                stat.label = f"{index + 1}. {wording}"
                trace.outcomes.append(OutcomeDistance(stat.label, stat))
        else:
            found = self.pooled.get(link.course_id)
            trace.whole_course = replace(found) if found else PairStat("", course_id=link.course_id)
            trace.whole_course.label = "All outcomes"
        trace.follow_up = self.follow_up.get(link.course_id, [])


def traceability_report(
    actor: User,
    review: CaseReview,
    filters: ReportFilters,
    now: datetime | None = None,
    distances: CourseDistances | None = None,
    breakdowns: bool = True,
    course_figures: dict[int, tuple[int, int, int]] | None = None,
    reached: dict[int, tuple[int, int]] | None = None,
) -> Traceability:
    """Every figure of the traceability report of `review` for the period and the actor's partnership
    scope (report_scope: a partnership admin sees the sessions their partnership ran). The annual pack
    passes `distances` read for every course, `course_figures` ({course_id: (sessions delivered,
    delegates, people)}, its annual report's per-course figures: a course absent has none), `reached`
    (attended_by_recommendation read once for every review's recommendations), and asks
    for no breakdowns by organisation and sector. Raises ReportForbidden for non-administrators."""
    filters = report_scope(actor, filters)
    without_jit()
    now = now or clock.now()
    distances = distances or CourseDistances(filters)
    course_ids = {link.course_id for rec in review.recommendations for link in rec.links}
    figures = course_figures if course_figures is not None else _course_figures(filters, course_ids, now)
    linked = [rec.id for rec in review.recommendations if rec.links]
    if reached is None:
        reached = attended_by_recommendation(filters, linked)
    traces = []
    for rec in review.recommendations:
        courses = []
        for link in sorted(rec.links, key=lambda link: (link.course.title, link.course_id)):
            sessions, delegates, people = figures.get(link.course_id, (0, 0, 0))
            trace = CourseTrace(link.course_id, link.course.title, sessions, delegates, people)
            distances.fill(link, trace)
            courses.append(trace)
        by_agency, by_sector = reach_of_courses(filters, [c.course_id for c in courses]) if breakdowns else ([], [])
        delegates, people = reached.get(rec.id, (0, 0))
        traces.append(
            RecommendationTrace(
                rec.id,
                rec.number,
                rec.text,
                courses,
                sessions=sum(course.sessions for course in courses),
                delegates=delegates,
                practitioners=people,
                by_agency=by_agency,
                by_sector=by_sector,
            )
        )
    return Traceability(review=review, filters=filters, recommendations=traces)
