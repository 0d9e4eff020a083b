"""View-side queries of the evaluation pages: the summary filter's choices and the scope it asks for."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import aliased
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..models import SECTORS, Agency, Course, CourseSession, EvaluationStage, Partnership, Role, User
from ..models.evaluations import OUTCOME_KEY, EvaluationRating, EvaluationResponse
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


def delegate_distance(user_id: int) -> Sequence[Row[str, int, str, int | None, int | None, int]]:
    """A delegate's own distance travelled: [(course title, course id, pair_key, outcome_index, pre, post)]."""
    R, V = aliased(EvaluationResponse), aliased(EvaluationRating)
    query = (
        select(Course.title, R.course_id, R.pair_key, V.outcome_index, V.pre_value, V.value)
        .select_from(V)
        .join(R, R.id == V.response_id)
        .join(Course, Course.id == R.course_id)
        .where(
            R.stage == EvaluationStage.POST,
            R.user_id == user_id,
            V.question_key == OUTCOME_KEY,
            V.pre_value.is_not(None),
        )
        .order_by(R.submitted_at.desc(), R.pair_key, V.outcome_index)
    )
    return db.session.execute(query).all()
