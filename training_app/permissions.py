"""Who may see or do what: the only place that decides.

Views, services and the navigation ask these functions; the server decides, never the page.
Each rule is written once here: a decorator for a whole area (`roles_required`,
`admin_required`), a predicate for one object (`can_manage_course`, `may_read_response`), or a
narrowing of what someone asked to see (`report_scope`, `evaluation_scope_for`,
`summary_courses`). "Does this course count for this partnership" is `Course.counts_for`, one
SQL expression, which the rules below use rather than restate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, exists, false, select, true

from .extensions import db
from .models import Booking, Course, CourseSession, Role
from .models.catalogue import session_trainers

if TYPE_CHECKING:
    from .evaluations.scope import Scope
    from .models import User
    from .models.evaluations import EvaluationResponse
    from .reports.scope import ReportFilters

View = TypeVar("View", bound=Callable[..., Any])

ADMIN_ROLES = Role.ADMINS
# Trainers read the summaries of the sessions they deliver; administrators those of their courses.
SUMMARY_ROLES = Role.STAFF
# What a partnership admin may give or take away; a system admin may assign every role.
PARTNERSHIP_ADMIN_ASSIGNS = (Role.PRACTITIONER, Role.TRAINER)


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


# --- decorators for a whole area -----------------------------------------------------------------


def roles_required(*roles: str) -> Callable[[View], View]:
    """Allow signed-in users with one of `roles` (403 for other signed-in users)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from .extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = roles_required(*ADMIN_ROLES)
summary_roles_required = roles_required(*SUMMARY_ROLES)


def require(condition: bool) -> None:
    """403 unless `condition` holds."""
    if not condition:
        abort(403)


# --- who someone is, as far as the rules care ------------------------------------------------------


def is_admin(user: Any) -> bool:
    """A partnership or system administrator (signed in)."""
    return _signed_in(user) and user.role in ADMIN_ROLES


def sees_all_partnerships(user: Any) -> bool:
    """System admins see and manage all four partnerships (choose an owner, filter by partnership)."""
    return _signed_in(user) and user.role == Role.SYSTEM_ADMIN


def partnership_scope(user: User) -> int | None:
    """The partnership whose data an administrator is limited to; None for a system admin (all)."""
    return None if sees_all_partnerships(user) else user.partnership_id


def own_partnership(user: User) -> int:
    """The partnership a partnership admin is limited to, or 403.

    The database refuses a partnership admin without a partnership, but a user object can still carry
    None (unsaved, or a role changed in memory): narrowing a scope to None would mean "every
    partnership", so the rules refuse instead of failing open.
    """
    if user.partnership_id is None:
        abort(403)
    return user.partnership_id


# --- the catalogue and the schedule ---------------------------------------------------------------


def can_manage_course(user: Any, course: Course) -> bool:
    """System admins manage every course; a partnership admin manages their partnership's."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return user.role == Role.PARTNERSHIP_ADMIN and course.owner_partnership_id == user.partnership_id


def managed_courses_condition(user: User, partnership_id: int | None = None) -> ColumnElement[bool]:
    """SQL on Course: the courses `user` manages (a system admin may narrow to one partnership)."""
    if sees_all_partnerships(user):
        return Course.owner_partnership_id == partnership_id if partnership_id is not None else true()
    return Course.owner_partnership_id == user.partnership_id


def course_owner_for(user: User, requested_owner_id: int | None, current_owner_id: int | None) -> int | None:
    """The partnership that owns a course `user` adds or edits: only a system admin may choose it.

    `current_owner_id` is the course's owner (None for a new course: the admin's own partnership).
    """
    if sees_all_partnerships(user) and requested_owner_id:
        return requested_owner_id
    return current_owner_id if current_owner_id is not None else user.partnership_id


def owns_booking(user: Any, booking: Booking) -> bool:
    """A delegate's own booking: only they cancel it, or answer the place it is offered, on their pages
    (the signed link in the offer email is a credential of its own, like a password reset link)."""
    return _signed_in(user) and booking.user_id == user.id


def can_see_register(user: Any, course_session: CourseSession) -> bool:
    """The session's trainers and the admins of the owning partnership."""
    if not _signed_in(user):
        return False
    if can_manage_course(user, course_session.course):
        return True
    return any(t.id == user.id for t in course_session.trainers)


# --- people and roles -----------------------------------------------------------------------------


def assignable_roles(actor: User) -> list[str]:
    """The roles `actor` may give or take away."""
    if sees_all_partnerships(actor):
        return list(Role)
    return list(PARTNERSHIP_ADMIN_ASSIGNS)


# --- reports --------------------------------------------------------------------------------------


def may_see_reports(user: Any) -> bool:
    return is_admin(user)


def report_scope(actor: Any, filters: ReportFilters) -> ReportFilters:
    """The filters an actor may use: a partnership admin always sees only their partnership.

    Raises ReportForbidden for anyone who is not an administrator.
    """
    from .reports.scope import ReportForbidden  # the reports package imports this module

    if not may_see_reports(actor):
        raise ReportForbidden()
    if sees_all_partnerships(actor):
        return filters
    if actor.partnership_id is None:  # see own_partnership: never widen to every partnership
        raise ReportForbidden()
    return replace(filters, partnership_id=actor.partnership_id)


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
    """The delegate themselves, system admins, and the admins of a partnership the course counts for."""
    if not _signed_in(user):
        return False
    if response.user_id is not None and response.user_id == user.id:
        return True
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return user.role == Role.PARTNERSHIP_ADMIN and _course_visible(user, response.course_id)


def evaluation_scope_for(
    user: User, scope: Scope, course: Course | None = None, course_session: CourseSession | None = None
) -> Scope:
    """The summary scope `user` asked for, narrowed to what they may see (403 for someone else's data).

    `course` and `course_session` are the ones the scope names, already loaded. Trainers see only
    their own sessions; partnership admins only their partnership's courses; system admins all.
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
        for checked in (course, course_session.course if course_session else None):
            if checked is not None:
                require(_course_visible(user, checked.id))
        return replace(scope, partnership_id=partnership_id)
    require(user.role == Role.SYSTEM_ADMIN)
    return scope


# --- navigation -----------------------------------------------------------------------------------


class NavItem(NamedTuple):
    endpoint: str
    label: str


def nav_items(user: Any) -> list[NavItem]:
    """The links in the header, asked of the same rules the pages use."""
    items = [NavItem("catalogue.index", "Find training")]
    if not _signed_in(user):
        return items
    items.append(NavItem("bookings.my_training", "My training"))
    if may_deliver_sessions(user):
        items.append(NavItem("bookings.trainer_sessions", "Sessions I deliver"))
    if may_see_evaluation_summaries(user):
        items.append(NavItem("evaluations.summary", "Evaluations"))
    if is_admin(user):
        items.append(NavItem("admin.index", "Manage programme"))
    if may_see_reports(user):
        items.append(NavItem("reports.index", "Reports"))
    items.append(NavItem("auth.account", "Your account"))
    return items
