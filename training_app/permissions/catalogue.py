"""The catalogue, the schedule, bookings, registers and venues.

Part of training_app.permissions (see its __init__ for the whole policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, false, select, true

from ..extensions import db
from ..models import Booking, Course, CourseSession, Role, User, Venue

if TYPE_CHECKING:
    pass

from .core import _signed_in, own_partnership, sees_all_partnerships

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
