"""Who may see or do what: the only place that decides.

Views, services and the navigation ask these functions; the server decides, never the page.
Each rule is written once here: a decorator for a whole area (`roles_required`,
`admin_required`), a predicate for one object (`can_edit_course`, `can_run_course`,
`can_manage_session`, `may_read_response`), or a narrowing of what someone asked to see
(`report_scope`, `evaluation_scope_for`, `summary_courses`, `lead_staff_condition`). "Does this course count for this
partnership" is `Course.counts_for`, one SQL expression, which the rules below use rather than
restate. A session counts for the partnership that runs it (`CourseSession.partnership_id`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import wraps
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, exists, false, select, true

from .extensions import db
from .models import Agency, AgencyLead, Booking, CaseReview, Course, CourseSession, CourseSuite, Role, User, Venue
from .models.catalogue import session_trainers

if TYPE_CHECKING:
    from .evaluations.scope import Scope
    from .models import Partnership
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


def can_edit_course(user: Any, course: Course) -> bool:
    """The course's text, outcomes, evaluation questions and archiving: its owning partnership's admins
    and system admins. Partners who only run a shared course do not change what it teaches."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return user.role == Role.PARTNERSHIP_ADMIN and course.owner_partnership_id == user.partnership_id


def can_run_course(user: Any, course: Course) -> bool:
    """Schedule sessions of `course` (and see its sessions): system admins, and the admins of every
    partnership the course counts for (owner, joint partners, all four for a HIPS course)."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    if user.role != Role.PARTNERSHIP_ADMIN or user.partnership_id is None:
        return False
    if course.owner_partnership_id == user.partnership_id:
        return True  # the common case, without asking the database
    return bool(
        db.session.scalar(select(exists().where(Course.id == course.id, Course.counts_for(user.partnership_id))))
    )


def can_manage_session(user: Any, course_session: CourseSession) -> bool:
    """Edit, postpone or cancel a session, change its capacity and bookings, take its register: the
    admins of the partnership that runs it, and system admins."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return user.role == Role.PARTNERSHIP_ADMIN and course_session.partnership_id == user.partnership_id


def runnable_courses_condition(user: User, partnership_id: int | None = None) -> ColumnElement[bool]:
    """SQL on Course: the courses `user` may run (a system admin may narrow to one partnership's)."""
    if sees_all_partnerships(user):
        return Course.counts_for(partnership_id) if partnership_id is not None else true()
    # counts_for(None) would still match HIPS courses; a partnership admin without one runs none.
    return Course.counts_for(user.partnership_id) if user.partnership_id is not None else false()


def course_owner_for(user: User, requested_owner_id: int | None, current_owner_id: int | None) -> int | None:
    """The partnership that owns a course `user` adds or edits: only a system admin may choose it.

    `current_owner_id` is the course's owner (None for a new course: the admin's own partnership).
    """
    if sees_all_partnerships(user) and requested_owner_id:
        return requested_owner_id
    return current_owner_id if current_owner_id is not None else user.partnership_id


def may_choose_running_partnership(user: Any) -> bool:
    """Only a system admin says which partnership runs a session; a partnership admin's sessions are
    run by their own partnership."""
    return sees_all_partnerships(user)


def running_partnership_for(user: User, requested_id: int | None, current_id: int | None) -> int | None:
    """The partnership that runs a session `user` schedules or edits (None: the course's owner).

    A system admin's choice stands (the form offers only partnerships the course counts for, and
    schedule_session checks it); a partnership admin's new session is run by their own partnership,
    and an edit keeps the partnership that runs it.
    """
    if may_choose_running_partnership(user):
        return requested_id or current_id
    return current_id if current_id is not None else user.partnership_id


def owns_booking(user: Any, booking: Booking) -> bool:
    """A delegate's own booking: only they cancel it, or answer the place it is offered, on their pages
    (the signed link in the offer email is a credential of its own, like a password reset link)."""
    return _signed_in(user) and booking.user_id == user.id


def may_download_certificate(user: Any, booking: Booking) -> bool:
    """A booking's certificate of attendance: the delegate, and whoever manages the session (the admins
    of the partnership that ran it, system admins). Trainers print registers, not certificates."""
    return owns_booking(user, booking) or can_manage_session(user, booking.session)


def certificates_condition(user: User) -> ColumnElement[bool]:
    """SQL on CourseSession: the sessions whose certificates `user` (an administrator) lists and
    re-issues: every session for a system admin, else those their partnership ran."""
    if sees_all_partnerships(user):
        return true()
    return CourseSession.partnership_id == own_partnership(user)


def can_see_register(user: Any, course_session: CourseSession) -> bool:
    """The session's trainers and the admins of the partnership that runs it."""
    if not _signed_in(user):
        return False
    if can_manage_session(user, course_session):
        return True
    return any(t.id == user.id for t in course_session.trainers)


# --- venues ---------------------------------------------------------------------------------------


def can_manage_venue(user: Any, venue: Venue) -> bool:
    """System admins manage every venue; a partnership admin their partnership's (any session may use
    any venue in use, whoever manages it)."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return (
        user.role == Role.PARTNERSHIP_ADMIN
        and user.partnership_id is not None
        and venue.partnership_id == user.partnership_id
    )


def managed_venues_condition(user: User) -> ColumnElement[bool]:
    """SQL on Venue: the venues `user` (an administrator) manages."""
    if sees_all_partnerships(user):
        return true()
    return Venue.partnership_id == own_partnership(user)


def venue_manager_for(user: User, requested_partnership_id: int | None) -> int | None:
    """The partnership that manages a venue `user` adds or edits: a system admin chooses (None: all
    four, so only system admins edit it); a partnership admin's venues are their partnership's."""
    if sees_all_partnerships(user):
        return requested_partnership_id
    return own_partnership(user)


# --- people and roles -----------------------------------------------------------------------------


def assignable_roles(actor: User) -> list[str]:
    """The roles `actor` may give or take away on the role form. An agency training lead is not among
    them: that role comes and goes with the organisations they lead (may_appoint_lead)."""
    if sees_all_partnerships(actor):
        return [role for role in Role if role != Role.AGENCY_LEAD]
    return list(PARTNERSHIP_ADMIN_ASSIGNS)


# --- agency training leads ------------------------------------------------------------------------

# Who may be appointed to lead an organisation's training: practitioners (who become agency leads)
# and people who already lead another. Trainers and administrators have pages of their own.
LEAD_CANDIDATE_ROLES = (Role.PRACTITIONER, Role.AGENCY_LEAD)


def is_agency_lead(user: Any) -> bool:
    """An agency training lead (signed in): sees, books and approves for their organisations' staff."""
    return _signed_in(user) and user.role == Role.AGENCY_LEAD


def lead_agency_ids(user: Any) -> frozenset[int]:
    """The organisations `user` leads training for (none unless they are an agency lead)."""
    if not is_agency_lead(user):
        return frozenset()
    return frozenset(db.session.scalars(select(AgencyLead.agency_id).where(AgencyLead.user_id == user.id)))


def lead_staff_condition(user: User, agency_id: int | None = None) -> ColumnElement[bool]:
    """SQL on User: the open accounts of the organisations `user` leads (narrowed to `agency_id`, one of
    them, when given). People count where they work now (User.agency_id), whatever their bookings say.
    Nobody for anyone who is not an agency lead."""
    if not is_agency_lead(user):
        return false()
    led = select(AgencyLead.agency_id).where(AgencyLead.user_id == user.id)
    if agency_id is not None:
        led = led.where(AgencyLead.agency_id == agency_id)
    return and_(User.agency_id.in_(led), User.closed_at.is_(None))


def may_lead_person(user: Any, person: User) -> bool:
    """`lead_staff_condition` for one loaded person: their organisation is one `user` leads."""
    return person.closed_at is None and person.agency_id is not None and person.agency_id in lead_agency_ids(user)


def may_lead_agency(user: Any, agency_id: int) -> bool:
    """Whether `user` leads the organisation `agency_id` (the staff list's filter, the CSV)."""
    return agency_id in lead_agency_ids(user)


def may_appoint_lead(actor: Any, person: User, agency: Agency) -> bool:
    """Appoint `person` to lead `agency`'s training, or remove them: system admins, and the partnership
    admins who manage the organisation (can_manage_organisation) and may manage the person."""
    return can_manage_organisation(actor, agency) and may_manage_person(actor, person)


# --- partnerships ---------------------------------------------------------------------------------


def may_edit_partnership_contact(user: Any, partnership: Partnership) -> bool:
    """A partnership's contact details: its own admins edit them, and system admins any partnership's."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    # A partnership admin without a partnership (see own_partnership) edits nothing.
    if user.role != Role.PARTNERSHIP_ADMIN or user.partnership_id is None:
        return False
    return bool(user.partnership_id == partnership.id)


def may_see_people(user: Any) -> bool:
    """The People pages: administrators (each sees the people of their area, see people_condition)."""
    return is_admin(user)


def people_condition(actor: User) -> ColumnElement[bool]:
    """SQL on User: the people `actor` may find and see. System admins: everyone. Partnership admins:
    the people of their area (User.in_area_of: their own partnership or their organisation's).
    Anyone else: nobody."""
    if sees_all_partnerships(actor):
        return true()
    if is_admin(actor) and actor.partnership_id is not None:
        return User.in_area_of(actor.partnership_id)
    return false()


def may_see_person(actor: Any, person: User) -> bool:
    """`people_condition` for one loaded person."""
    if not is_admin(actor):
        return False
    if sees_all_partnerships(actor):
        return True
    return actor.partnership_id is not None and person.is_in_area_of(actor.partnership_id)


def may_manage_person(actor: Any, person: User) -> bool:
    """Edit someone's details, deactivate or reactivate them, resend their confirmation: whoever may see
    them, except that a partnership admin may not touch a system admin or another partnership's admin."""
    if not may_see_person(actor, person):
        return False
    if sees_all_partnerships(actor):
        return True
    if person.role == Role.SYSTEM_ADMIN:
        return False
    return person.role != Role.PARTNERSHIP_ADMIN or person.partnership_id == actor.partnership_id


# --- reference data: organisations and partnerships ----------------------------------------------


def may_manage_organisations(user: Any) -> bool:
    """Administrators keep the organisations list: system admins all, partnership admins their area's."""
    return is_admin(user)


def can_manage_organisation(user: Any, agency: Agency) -> bool:
    """System admins manage every organisation; a partnership admin those in their partnership's area."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return (
        user.role == Role.PARTNERSHIP_ADMIN
        and user.partnership_id is not None
        and agency.partnership_id == user.partnership_id
    )


def managed_organisations_condition(user: User) -> ColumnElement[bool]:
    """SQL on Agency: the organisations `user` manages (403 for a partnership admin without one)."""
    if sees_all_partnerships(user):
        return true()
    return Agency.partnership_id == own_partnership(user)


def organisation_area_for(user: User, requested_partnership_id: int | None) -> int | None:
    """The partnership area of an organisation `user` adds or edits: a system admin chooses it (or none:
    it covers several areas); a partnership admin's organisations are always in their own area."""
    if sees_all_partnerships(user):
        return requested_partnership_id
    return own_partnership(user)


def may_manage_partnerships(user: Any) -> bool:
    """Only system administrators add, rename and retire partnerships."""
    return sees_all_partnerships(user)


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
    """Compliance by organisation: administrators, over the people of their area (people_condition)."""
    return is_admin(user)


def may_see_compliance_names(user: Any) -> bool:
    """Who is behind a compliance figure (the drill-down list and the CSV of names)."""
    return is_admin(user)


def may_import_elearning(user: Any) -> bool:
    """Import e-learning completions: administrators, for the people of their area."""
    return is_admin(user)


def may_manage_requirements(user: Any) -> bool:
    """Training requirements and their validity hold for all four partnerships: system administrators."""
    return sees_all_partnerships(user)


# --- navigation -----------------------------------------------------------------------------------


class NavItem(NamedTuple):
    endpoint: str
    label: str


def home_endpoint(user: Any) -> str:
    """Where a person lands after signing in: their own daily page (admins: the programme; trainers:
    the sessions they deliver; everyone else: their training)."""
    if is_admin(user):
        return "admin.index"
    if _signed_in(user) and user.role == Role.TRAINER:
        return "bookings.trainer_sessions"
    if is_agency_lead(user):
        return "agency.staff"
    return "bookings.my_training"


def admin_nav_items(user: Any) -> list[NavItem]:
    """The programme-management menu shown on the admin pages, so the header menu stays on one line."""
    if not is_admin(user):
        return []
    items = [NavItem("admin.index", "Courses and sessions"), NavItem("admin.users", "People")]
    if may_manage_organisations(user):
        items.append(NavItem("admin.organisations", "Organisations"))
    if may_manage_partnerships(user):
        items.append(NavItem("admin.partnerships", "Partnerships"))
    items.append(NavItem("admin.venues", "Venues"))
    items.append(NavItem("admin.reviews", "Reviews"))
    items.append(NavItem("admin.suites", "Suites"))
    items.append(NavItem("certificates.admin_list", "Certificates"))
    if sees_all_partnerships(user):
        items.append(NavItem("privacy.audit_log", "Audit log"))
    return items


def nav_items(user: Any) -> list[NavItem]:
    """The links in the header, asked of the same rules the pages use. Kept to one line at 1280 px:
    admins reach evaluation summaries from Reports, and the admin pages have their own menu."""
    items = [NavItem("catalogue.index", "Find training")]
    if not _signed_in(user):
        return [*items, NavItem("catalogue.help", "Help")]
    items.append(NavItem("bookings.my_training", "My training"))
    if user.role == Role.PRACTITIONER:  # staff reach their own record from My training (one header line)
        items.append(NavItem("records.my_record", "My record"))
    if may_deliver_sessions(user):
        items.append(NavItem("bookings.trainer_sessions", "Sessions I deliver"))
    if is_agency_lead(user):
        items.append(NavItem("agency.staff", "My organisation's staff"))
    if may_see_evaluation_summaries(user) and not may_see_reports(user):
        items.append(NavItem("evaluations.summary", "Evaluations"))
    if is_admin(user):
        items.append(NavItem("admin.index", "Programme"))
    if may_see_reports(user):
        items.append(NavItem("reports.index", "Reports"))
    items.append(NavItem("auth.account", "Account"))
    items.append(NavItem("catalogue.help", "Help"))
    return items
