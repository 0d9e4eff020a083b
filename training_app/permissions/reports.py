"""Reports, evaluation summaries and training records.

Part of training_app.permissions (see its __init__ for the whole policy)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, false, select, true

from ..extensions import db
from ..models import Agency, CaseReview, Course, CourseSession, CourseSuite, Role, User
from ..models.catalogue import session_trainers

if TYPE_CHECKING:
    from ..evaluations.scope import Scope
    from ..models.evaluations import EvaluationResponse
    from ..reports.scope import ReportFilters

from .core import SUMMARY_ROLES, _signed_in, is_admin, own_partnership, require, sees_all_partnerships
from .people import (
    lead_agency_ids,
    lead_staff_condition,
    managed_organisations_condition,
    may_lead_person,
    may_see_person,
    people_condition,
)

# --- reports --------------------------------------------------------------------------------------


def may_see_reports(user: Any) -> bool:
    return is_admin(user)


def report_scope(actor: Any, filters: ReportFilters) -> ReportFilters:
    """The filters an actor may use: a partnership admin always sees only their partnership.

    Raises ReportForbidden for anyone who is not an administrator.
    """
    from ..reports.scope import ReportForbidden  # the reports package imports this module

    if not may_see_reports(actor):
        raise ReportForbidden()
    if sees_all_partnerships(actor):
        return filters
    if actor.partnership_id is None:  # see own_partnership: never widen to every partnership
        raise ReportForbidden()
    return replace(filters, partnership_id=actor.partnership_id)


# --- case reviews and suites (issue 16) --------------------------------------------------------------


def may_manage_review(user: Any, review: CaseReview) -> bool:
    """Partnership admins manage their partnership's reviews (and see their traceability); system admins all."""
    if not is_admin(user):
        return False
    return sees_all_partnerships(user) or (
        user.partnership_id is not None and review.partnership_id == user.partnership_id
    )


def reviews_condition(user: User) -> ColumnElement[bool]:
    """SQL: the reviews an administrator manages."""
    return true() if sees_all_partnerships(user) else CaseReview.partnership_id == own_partnership(user)


def review_learning_condition(user: Any) -> ColumnElement[bool]:
    """SQL: the reviews a course page may name to this person: public ones to anyone, the rest to staff."""
    if _signed_in(user) and user.role in Role.STAFF:
        return true()
    return CaseReview.public.is_(True)


def may_manage_suite(user: Any, suite: CourseSuite) -> bool:
    """Partnership admins manage their partnership's suites; HIPS-wide suites (no partnership) and every
    other suite are for system admins."""
    if not is_admin(user):
        return False
    return sees_all_partnerships(user) or (
        suite.partnership_id is not None and suite.partnership_id == user.partnership_id
    )


def suites_condition(user: User) -> ColumnElement[bool]:
    """SQL: the suites an administrator manages."""
    return true() if sees_all_partnerships(user) else CourseSuite.partnership_id == own_partnership(user)


# --- evaluations ----------------------------------------------------------------------------------


def may_see_evaluation_summaries(user: Any) -> bool:
    return _signed_in(user) and user.role in SUMMARY_ROLES


def may_deliver_sessions(user: Any) -> bool:
    """Trainers and administrators can be a session's trainer ("Sessions I deliver")."""
    return _signed_in(user) and user.role in SUMMARY_ROLES


def may_see_respondent_names(user: Any) -> bool:
    """Only the partnership team sees who wrote a comment or answered."""
    return is_admin(user)


def may_filter_by_trainer(user: Any) -> bool:
    return may_see_evaluation_summaries(user) and user.role != Role.TRAINER


def summary_courses(user: User) -> ColumnElement[bool]:
    """SQL on Course: the courses whose evaluations `user` may read in summaries.

    Trainers: courses with a session they deliver. Partnership admins: courses that count for their
    partnership. System admins: every course.
    """
    if user.role == Role.TRAINER:
        return Course.id.in_(
            select(CourseSession.course_id)
            .join(session_trainers, session_trainers.c.session_id == CourseSession.id)
            .where(session_trainers.c.user_id == user.id)
        )
    if user.role == Role.PARTNERSHIP_ADMIN:
        # counts_for(None) would still match HIPS courses; a partnership admin without one sees none.
        return Course.counts_for(user.partnership_id) if user.partnership_id is not None else false()
    return true()


def _course_visible(user: User, course_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Course.id == course_id, summary_courses(user)))))


def may_read_response(user: Any, response: EvaluationResponse) -> bool:
    """The delegate themselves, system admins, and the admins of the partnership that ran the session
    (for e-learning, which has no session: of a partnership the course counts for)."""
    if not _signed_in(user):
        return False
    if response.user_id is not None and response.user_id == user.id:
        return True
    if user.role == Role.SYSTEM_ADMIN:
        return True
    if user.role != Role.PARTNERSHIP_ADMIN:
        return False
    if response.session_id is not None:
        running = db.session.scalar(select(CourseSession.partnership_id).where(CourseSession.id == response.session_id))
        return running is not None and running == user.partnership_id
    return _course_visible(user, response.course_id)


def may_pick_quote(user: Any, response: EvaluationResponse) -> bool:
    """Choosing a comment for the annual pack: administrators whose evaluations it is in
    (may_read_response's partnership rule), never a delegate choosing their own."""
    return is_admin(user) and may_read_response(user, response)


def evaluation_scope_for(
    user: User, scope: Scope, course: Course | None = None, course_session: CourseSession | None = None
) -> Scope:
    """The summary scope `user` asked for, narrowed to what they may see (403 for someone else's data).

    `course` and `course_session` are the ones the scope names, already loaded. Trainers see only
    their own sessions; partnership admins the courses that count for their partnership, narrowed to
    the sessions it ran (and e-learning); system admins all.
    """
    if user.role == Role.TRAINER:
        require(scope.trainer_id in (None, user.id))
        if course_session is not None:
            require(any(t.id == user.id for t in course_session.trainers))
        if course is not None:
            require(_course_visible(user, course.id))
        return replace(scope, trainer_id=user.id)
    if user.role == Role.PARTNERSHIP_ADMIN:
        partnership_id = own_partnership(user)
        require(scope.partnership_id in (None, partnership_id))
        if course is not None:
            require(_course_visible(user, course.id))
        if course_session is not None:
            require(course_session.partnership_id == partnership_id)  # the sessions it ran
        return replace(scope, partnership_id=partnership_id)
    require(user.role == Role.SYSTEM_ADMIN)
    return scope


# --- training records -----------------------------------------------------------------------------


def may_see_record(actor: Any, person: User) -> bool:
    """A person's training record (and certificates): the person, whoever may see them
    (`may_see_person`: their area's partnership admins, system admins) and the agency training lead of
    their organisation (`may_lead_person`). Views by anyone but the person are audited."""
    return _signed_in(actor) and (
        actor.id == person.id or may_see_person(actor, person) or may_lead_person(actor, person)
    )


def may_verify_training(actor: Any, person: User) -> bool:
    """Mark training someone recorded from elsewhere as checked: the administrators who may see them."""
    return _signed_in(actor) and actor.id != person.id and may_see_person(actor, person)


def may_see_compliance(user: Any) -> bool:
    """Compliance by organisation: administrators, over the people of their area, and agency training
    leads, over their organisations' staff (compliance_people_condition)."""
    return is_admin(user) or bool(lead_agency_ids(user))


def may_see_compliance_names(user: Any) -> bool:
    """Who is behind a compliance figure (the drill-down list and the CSV of names)."""
    return may_see_compliance(user)


def compliance_people_condition(actor: User) -> ColumnElement[bool]:
    """SQL on User: whose compliance `actor` sees: an admin's people (people_condition), or a lead's
    staff (lead_staff_condition); nobody else."""
    return people_condition(actor) if is_admin(actor) else lead_staff_condition(actor)


def compliance_organisations_condition(user: User) -> ColumnElement[bool]:
    """SQL on Agency: the organisations offered in the compliance filter: an admin's
    (managed_organisations_condition), or those a lead leads."""
    if is_admin(user):
        return managed_organisations_condition(user)
    return Agency.id.in_(lead_agency_ids(user)) if lead_agency_ids(user) else false()


def may_import_elearning(user: Any) -> bool:
    """Import e-learning completions: administrators, for the people of their area."""
    return is_admin(user)


def may_manage_requirements(user: Any) -> bool:
    """Training requirements and their validity hold for all four partnerships: system administrators."""
    return sees_all_partnerships(user)
