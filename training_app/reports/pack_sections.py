"""Sections of the annual report pack that stand on their own: the quotes the team picked, and the
cascade (training run by those a trainer-of-trainers course trained). annual_extras gathers them for
the pack's page (reports/annual.html includes reports/_pack_extras.html).

Cascade definitions (the page says the same):
- **Onward delivery** counts when its date falls in the period (London dates, inclusive).
- **A partnership's cascade**: deliveries by people it trained, i.e. whose trainer-of-trainers place
  was on a session it ran (as every report counts sessions); the course and level filters apply to
  the trainer-of-trainers course.
- **Trainers who cascaded**: different people with at least one delivery; **sessions run** and
  **people reached**: the sums of what they recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select

from ..evaluations.quotes import Quote, picked_quotes
from ..evaluations.scope import Scope
from ..extensions import db
from ..models import Booking, Course, CourseSession, OnwardDelivery
from .scope import ReportFilters, running_conditions


@dataclass
class CascadeRow:
    label: str
    trainers: int
    sessions: int
    people: int


@dataclass
class CascadeFigures:
    trainers: int = 0
    sessions: int = 0
    people: int = 0
    by_course: list[CascadeRow] = field(default_factory=list)


@dataclass
class PackExtras:
    quotes: list[Quote]
    cascade: CascadeFigures


def evaluation_scope(filters: ReportFilters) -> Scope:
    """The evaluations area's scope for the report filters (as annual.evaluation_summaries builds it)."""
    start, end = filters.utc_bounds
    return Scope(
        partnership_id=filters.partnership_id,
        course_id=filters.course_id,
        level=filters.level,
        date_from=start,
        date_to=end,
    )


def pack_quotes(filters: ReportFilters) -> list[Quote]:
    """The consented comments the team picked, about sessions in the period and scope; each text once."""
    return picked_quotes(evaluation_scope(filters))


def cascade_figures(filters: ReportFilters) -> CascadeFigures:
    """Trainers who cascaded, sessions run and people reached in the period, in all and per
    trainer-of-trainers course (module docstring)."""
    rows = db.session.execute(
        select(
            Course.title,
            func.count(distinct(OnwardDelivery.user_id)),
            func.coalesce(func.sum(OnwardDelivery.sessions_run), 0),
            func.coalesce(func.sum(OnwardDelivery.people_reached), 0),
        )
        .join(Booking, Booking.id == OnwardDelivery.booking_id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            OnwardDelivery.delivered_on >= filters.date_from,
            OnwardDelivery.delivered_on <= filters.date_to,
            *running_conditions(filters),
        )
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
    ).all()
    trainers = db.session.scalar(
        select(func.count(distinct(OnwardDelivery.user_id)))
        .join(Booking, Booking.id == OnwardDelivery.booking_id)
        .join(CourseSession, CourseSession.id == Booking.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            OnwardDelivery.delivered_on >= filters.date_from,
            OnwardDelivery.delivered_on <= filters.date_to,
            *running_conditions(filters),
        )
    )
    by_course = [CascadeRow(title, t, int(s), int(p)) for title, t, s, p in rows]
    return CascadeFigures(
        trainers=trainers or 0,
        sessions=sum(r.sessions for r in by_course),
        people=sum(r.people for r in by_course),
        by_course=by_course,
    )


def annual_extras(filters: ReportFilters) -> PackExtras:
    """The pack's own sections for filters already scoped to the actor (annual_report's filters)."""
    return PackExtras(quotes=pack_quotes(filters), cascade=cascade_figures(filters))
