"""Data-protection rights: a person's data as JSON, closing an account, the retention rule, the audit log.

Closing an account anonymises the person but keeps their past bookings and evaluation answers, linked
to the anonymised account, so that the figures already reported to boards (confirmed, attended,
distance travelled) do not change. Future places are cancelled so the waiting list moves up.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from .. import clock
from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import (
    AgencyLead,
    AuditEvent,
    Booking,
    BookingStatus,
    Certificate,
    Course,
    CourseSession,
    ElearningCompletion,
    EvaluationResponse,
    Role,
    User,
)
from ..models.users import Agency, new_calendar_token
from ..records.privacy import anonymise_records, export_records

CLOSED_NAME = "Closed account"
AUDIT_PAGE_SIZE = 50


class AccountAlreadyClosed(DomainError):
    message = "This account is already closed."


def _when(value: datetime | None) -> str | None:
    """Naive UTC from the database as ISO 8601 with a Z, so nobody reads it as London time."""
    return value.isoformat() + "Z" if value is not None else None


def _course(course: Course) -> dict[str, Any]:
    return {"id": course.id, "slug": course.slug, "title": course.title}


def export_data(user: User) -> dict[str, Any]:
    """Everything the service holds about `user`, as a JSON-ready dict (the right of access)."""
    bookings = db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.user_id == user.id)
        .order_by(CourseSession.starts_at, Booking.id)
    ).all()
    completions = db.session.scalars(
        select(ElearningCompletion)
        .where(ElearningCompletion.user_id == user.id)
        .order_by(ElearningCompletion.completed_at)
    ).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.created_at, AuditEvent.id)
    ).all()
    return {
        "exported_at": _when(clock.now()),
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role,
            "job_role": user.job_role,
            "organisation": ({"name": user.agency.name, "sector": user.agency.sector} if user.agency else None),
            "partnership": user.partnership.code if user.partnership else None,
            "safeguarding_level_completed_elsewhere": user.external_level_completed,
            "line_manager": {"name": user.manager_name, "email": user.manager_email} if user.manager_email else None,
            "leads_training_for": sorted(
                db.session.scalars(
                    select(Agency.name)
                    .join(AgencyLead, AgencyLead.agency_id == Agency.id)
                    .where(AgencyLead.user_id == user.id)
                )
            ),
            "created_at": _when(user.created_at),
            "last_seen_at": _when(user.last_seen_at),
        },
        "bookings": [
            {
                "id": b.id,
                "status": b.status,
                "requested_at": _when(b.requested_at),
                "confirmed_at": _when(b.confirmed_at),
                "cancelled_at": _when(b.cancelled_at),
                "late_cancellation": b.late_cancellation,
                "organisation": b.agency.name if b.agency else None,
                "job_role": b.job_role,
                "access_needs": b.access_needs,
                "approval_asked_of": b.manager_email,
                "session": {
                    "id": b.session.id,
                    "starts_at": _when(b.session.starts_at),
                    "ends_at": _when(b.session.ends_at),
                    "venue": b.session.venue.full_address if b.session.venue else None,
                    "online_platform": b.session.online_platform,
                    "status": b.session.status,
                    "course": _course(b.session.course),
                },
            }
            for b in bookings
        ],
        "elearning_completions": [
            {"course": _course(c.course), "completed_at": _when(c.completed_at)} for c in completions
        ],
        "evaluation_responses": _evaluation_responses(user),
        "training_record": export_records(user),
        "audit_events": [
            {
                "action": e.action,
                "target_type": e.target_type,
                "target_id": e.target_id,
                "details": e.details,
                "created_at": _when(e.created_at),
            }
            for e in events
        ],
    }


def _evaluation_responses(user: User) -> list[dict[str, Any]]:
    responses = db.session.scalars(
        select(EvaluationResponse)
        .where(EvaluationResponse.user_id == user.id)
        .order_by(EvaluationResponse.submitted_at, EvaluationResponse.id)
    ).all()
    return [
        {
            "id": r.id,
            "stage": r.stage,
            "course": _course(r.course),
            "session_id": r.session_id,
            "submitted_at": _when(r.submitted_at),
            "ratings": [
                {"question": rating.question_key, "outcome": rating.outcome_index, "value": rating.value}
                for rating in sorted(r.ratings, key=lambda x: (x.question_key, x.outcome_index or 0))
            ],
            "how_you_will_use_it": r.practice_text,
            "anything_else": r.other_text,
            "what_changed": r.changed_text,
        }
        for r in responses
    ]


def close_account(actor: User, user: User, reason: str = "closed by the account holder") -> User:
    """Anonymise `user` and cancel their future places (which promotes the waiting lists).

    Past bookings and evaluation answers stay, linked to the anonymised account, so that confirmed,
    attended and distance-travelled figures do not change. Sign-ins stop at once (closed_at, and the
    session version is bumped). Raises AccountAlreadyClosed.
    """
    from ..bookings.services import cancel_booking

    if user.closed_at is not None:
        raise AccountAlreadyClosed()
    now = clock.now()
    future = db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(Booking.user_id == user.id, Booking.status.in_(BookingStatus.OPEN), CourseSession.starts_at > now)
        .order_by(CourseSession.id)
    ).all()
    # Cancel before anonymising, so the cancellation emails reach the person.
    for booking in future:
        cancel_booking(user, booking, as_admin=True)
    for booking in db.session.scalars(select(Booking).where(Booking.user_id == user.id)):
        booking.access_needs = None  # health and disability details serve no purpose once closed
        booking.manager_name = booking.manager_email = None  # nor whom they asked for approval
    # Certificates keep only the initials, which is all their public check shows.
    for certificate in db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)):
        certificate.holder_name = certificate.holder_initials
    user.name = CLOSED_NAME
    user.email = f"closed-{user.id}@invalid"
    user.password_hash = generate_password_hash(secrets.token_urlsafe(32))
    user.job_role = None
    user.external_level_completed = None
    user.manager_name = user.manager_email = None
    anonymise_records(user)  # certificate files are deleted now: closing cannot be undone
    user.calendar_token = new_calendar_token()
    # Nobody leads training under a closed account; the role goes with the organisations (agency/).
    for appointment in db.session.scalars(select(AgencyLead).where(AgencyLead.user_id == user.id)):
        db.session.delete(appointment)
    if user.role == Role.AGENCY_LEAD:
        user.role = Role.PRACTITIONER
    user.session_version += 1
    user.closed_at = now
    record_audit(actor, "account.closed", user, reason=reason, cancelled_bookings=[b.id for b in future])
    db.session.flush()
    return user


def retention_cutoff(now: datetime, years: int) -> datetime:
    """The moment `years` before `now` (29 February falls back to 28 February)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def apply_retention(years: int = 3) -> Sequence[User]:
    """Close every open account not seen (or, never seen, created) for `years` years; returns them."""
    if years < 1:
        raise ValueError("The retention period must be at least one year.")
    cutoff = retention_cutoff(clock.now(), years)
    stale = db.session.scalars(
        select(User)
        .where(User.closed_at.is_(None), func.coalesce(User.last_seen_at, User.created_at) < cutoff)
        .order_by(User.id)
    ).all()
    for user in stale:
        close_account(user, user, reason=f"inactive for {years} years")
    return stale


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_page(page: int, action: str | None = None, actor: str | None = None) -> Pagination:
    """One page of audit events, newest first, optionally one action and/or one actor (email or name)."""
    query = (
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        needle = actor.strip().lower()
        matches = select(User.id).where(or_(func.lower(User.email) == needle, func.lower(User.name) == needle))
        query = query.where(AuditEvent.actor_id.in_(matches))
    return db.paginate(query, page=page, per_page=AUDIT_PAGE_SIZE, error_out=False, count=True)
