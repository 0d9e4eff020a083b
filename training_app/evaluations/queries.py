"""View-side queries of the evaluation pages: the summary filter's choices and the scope it asks for."""

from __future__ import annotations

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import SECTORS, Agency, Course, CourseSession, Partnership, Role, User
from ..permissions import summary_courses
from .forms import SummaryFilterForm
from .scope import Scope


def fill_filter_choices(form: SummaryFilterForm, user: User) -> SummaryFilterForm:
    """Give the summary filter form its choices; the course list holds only courses `user` may read.

    One query per list, whatever the number of courses (the partnership rule is SQL: Course.counts_for).
    """
    courses = db.session.execute(
        select(Course.id, Course.title).where(summary_courses(user)).order_by(Course.title)
    ).all()
    form.course.choices = [SelectChoice("", "All courses")] + [SelectChoice(str(c.id), c.title) for c in courses]
    trainers = db.session.execute(select(User.id, User.name).where(User.role == Role.TRAINER).order_by(User.name)).all()
    form.trainer.choices = [SelectChoice("", "All trainers")] + [SelectChoice(str(t.id), t.name) for t in trainers]
    form.partnership.choices = [SelectChoice("", "All partnerships")] + [
        SelectChoice(str(p.id), p.code) for p in db.session.scalars(select(Partnership).order_by(Partnership.code))
    ]
    form.agency.choices = [SelectChoice("", "All organisations")] + [
        SelectChoice(str(a.id), a.name) for a in db.session.scalars(select(Agency).order_by(Agency.name))
    ]
    form.sector.choices = [SelectChoice("", "All sectors")] + [SelectChoice(s, s) for s in SECTORS]
    return form


def requested_scope(form: SummaryFilterForm) -> tuple[Scope, Course | None, CourseSession | None]:
    """(scope, course, session) the filter form asks for, before the policy narrows it.

    404 when the form names a course or session that does not exist.
    """
    scope = Scope(
        session_id=form.int_or_none("session"),
        course_id=form.int_or_none("course"),
        trainer_id=form.int_or_none("trainer"),
        partnership_id=form.int_or_none("partnership"),
        agency_id=form.int_or_none("agency"),
        sector=form.sector.data if form.sector.data in SECTORS else None,
        level=form.int_or_none("level"),
        date_basis="submitted" if form.basis.data == "submitted" else "session",
    )
    if not form.errors:
        scope.date_from, scope.date_to = form.day_bounds()
    course_session = db.get_or_404(CourseSession, scope.session_id) if scope.session_id else None
    course = db.get_or_404(Course, scope.course_id) if scope.course_id else None
    return scope, course, course_session
