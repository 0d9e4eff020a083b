"""People's accounts, as the partnership team manages them: correct someone's details, deactivate and
reactivate an account, resend the confirmation email. Who may do this to whom is
permissions.may_manage_person; every change is audited.

Deactivation is not closure (privacy.services.close_account, which anonymises): a deactivated person
keeps their name, bookings and record, stays in registers and reports, and can be reactivated. They
cannot sign in (User.is_active), and their future places are cancelled so the waiting lists move up.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from .. import clock
from ..audit import changes, record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession, User
from ..web import external_url

DETAIL_FIELDS = ("name", "agency_id", "job_role")


class AccountError(DomainError):
    """An account change refused."""


def open_future_bookings(user: User) -> Sequence[Booking]:
    """`user`'s confirmed and waitlisted places on sessions not yet started, soonest first."""
    return db.session.scalars(
        select(Booking)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(
            Booking.user_id == user.id,
            Booking.status.in_(BookingStatus.OPEN),
            CourseSession.starts_at > clock.now(),
        )
        .order_by(CourseSession.starts_at, Booking.id)
    ).all()


def update_person(actor: User, person: User, name: str, agency_id: int | None, job_role: str | None) -> bool:
    """Correct `person`'s name, organisation and job role; returns whether anything changed (an
    unchanged form writes nothing). Raises AccountError for a closed account."""
    if person.closed_at is not None:
        raise AccountError("This account is closed.")
    new_values = {"name": name, "agency_id": agency_id, "job_role": job_role}
    diff = changes(person, DETAIL_FIELDS, new_values)
    if not diff:
        return False
    for field in diff:
        setattr(person, field, new_values[field])
    record_audit(actor, "user.details_changed", person, changes=diff)
    db.session.flush()
    return True


def deactivate_account(actor: User, person: User) -> list[Booking]:
    """Stop `person` signing in, ending every session they have at once, and cancel their future
    places (the waiting lists move up and they are told, as when an admin cancels). Their history
    stays. Returns the cancelled bookings. Raises AccountError."""
    from ..bookings.services import cancel_booking

    if person.id == actor.id:
        raise AccountError("You cannot deactivate your own account. Ask another administrator.")
    if person.closed_at is not None:
        raise AccountError("This account is closed.")
    if person.deactivated_at is not None:
        raise AccountError("This account is already deactivated.")
    # Lock the sessions in id order, as every other multi-session change does.
    future = sorted(open_future_bookings(person), key=lambda b: (b.session_id, b.id))
    for booking in future:
        cancel_booking(actor, booking, as_admin=True)
    person.deactivated_at = clock.now()
    person.deactivated_by_id = actor.id
    person.session_version += 1
    record_audit(actor, "user.deactivated", person, cancelled_bookings=[b.id for b in future])
    db.session.flush()
    return future


def reactivate_account(actor: User, person: User) -> None:
    """Let a deactivated person sign in again (cancelled places stay cancelled). Raises AccountError."""
    if person.closed_at is not None:
        raise AccountError("This account is closed.")
    if person.deactivated_at is None:
        raise AccountError("This account is already active.")
    record_audit(actor, "user.reactivated", person, deactivated_at=person.deactivated_at)
    person.deactivated_at = None
    person.deactivated_by_id = None
    db.session.flush()


def resend_confirmation_for(actor: User, person: User) -> None:
    """Email `person` a fresh link to confirm their address (the same email as at registration).
    Raises AccountError when the address is already confirmed or the account cannot sign in."""
    from ..auth.services import resend_confirmation

    if not person.is_active:
        raise AccountError("This account cannot sign in, so there is nothing to confirm.")
    if person.email_confirmed_at is not None:
        raise AccountError("This email address is already confirmed.")
    resend_confirmation(person, lambda token: external_url("auth.confirm_email_page", token=token))
    record_audit(actor, "user.confirmation_resent", person)
    db.session.flush()


def record_person_viewed(actor: User, person: User) -> None:
    """Note that `actor` looked at someone else's details (records are personal data)."""
    if actor.id != person.id:
        record_audit(actor, "user.viewed", person)
