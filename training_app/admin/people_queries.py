"""Reads for the People pages: finding people, and one person's bookings, record and history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..catalogue.services import escape_like
from ..extensions import db
from ..models import AuditEvent, Booking, BookingStatus, CourseSession, ElearningCompletion, User
from ..models.users import Agency
from ..pagination import Page, paginate
from ..permissions import people_condition

# How many of the latest changes to someone's account the person page lists.
HISTORY_LIMIT = 50
# Audit actions that are about looking, not changing: left out of a person's history.
VIEW_ACTIONS = ("user.viewed",)
# What the person page calls each change; any other action is shown as recorded.
CHANGE_LABELS = {
    "user.role_changed": "Role changed",
    "user.details_changed": "Details corrected",
    "user.deactivated": "Account deactivated",
    "user.reactivated": "Account reactivated",
    "user.confirmation_resent": "Confirmation email sent again",
    "user.lead_appointed": "Appointed to lead an organisation's training",
    "user.lead_removed": "No longer leads an organisation's training",
    "account.password_changed": "Password changed",
    "account.email_change_requested": "Asked to change email address",
    "account.email_changed": "Email address changed",
    "account.closed": "Account closed",
}


def change_label(action: str) -> str:
    return CHANGE_LABELS.get(action, action)


def find_people(actor: User, text: str, page: int, per_page: int) -> tuple[Sequence[User], Page]:
    """Open accounts `actor` may see whose name, email address or organisation contains `text`
    (ignoring case), by name; one page of them. Two statements whatever the number of rows."""
    query = (
        select(User)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(User.closed_at.is_(None), people_condition(actor))
    )
    if text:
        pattern = f"%{escape_like(text.lower())}%"
        query = query.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(Agency.name).like(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = paginate(total, per_page, page)
    people = db.session.scalars(
        query.options(joinedload(User.agency), joinedload(User.partnership))
        .order_by(User.name, User.id)
        .limit(pages.per_page)
        .offset(pages.offset)
    ).all()
    return people, pages


def person_bookings(person: User) -> Sequence[Booking]:
    """Every booking `person` has made, latest session first, with its session and course."""
    return db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.user_id == person.id)
        .options(joinedload(Booking.session).joinedload(CourseSession.course))
        .order_by(CourseSession.starts_at.desc(), Booking.id.desc())
    ).all()


def attended(bookings: Sequence[Booking]) -> list[Booking]:
    """The sessions of `bookings` the person attended (their training record)."""
    return [b for b in bookings if b.status == BookingStatus.ATTENDED]


def person_completions(person: User) -> Sequence[ElearningCompletion]:
    """`person`'s e-learning completions, latest first."""
    return db.session.scalars(
        select(ElearningCompletion)
        .where(ElearningCompletion.user_id == person.id)
        .options(joinedload(ElearningCompletion.course))
        .order_by(ElearningCompletion.completed_at.desc(), ElearningCompletion.id.desc())
    ).all()


def person_history(person: User) -> Sequence[tuple[AuditEvent, User | None]]:
    """The latest changes to `person`'s account (not views of it), newest first, with who made them."""
    return db.session.execute(
        select(AuditEvent, User)
        .outerjoin(User, AuditEvent.actor_id == User.id)
        .where(
            AuditEvent.target_type == "User",
            AuditEvent.target_id == person.id,
            AuditEvent.action.not_in(VIEW_ACTIONS),
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
