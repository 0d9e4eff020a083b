"""Issuing and re-issuing certificates of attendance.

A certificate is issued on its first download (by the delegate or the team), then the same one is
downloaded again: issuing is idempotent. A re-issue, after a correction (a misspelt name, say), marks
the current certificate replaced and issues a new one with a new code, from the records as they are
now. Both are audited. Functions take the actor, flush, and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Booking, Certificate, User
from .codes import new_code
from .eligibility import availability_of


class CertificateError(DomainError):
    message = "This certificate is not available."


class CertificateNotAvailable(CertificateError):
    """The booking does not earn a certificate yet; the message says why."""


class AlreadyReplaced(CertificateError):
    message = "This certificate has already been replaced by a newer one."


def current_certificate(booking: Booking) -> Certificate | None:
    """The booking's certificate that has not been replaced, if one was issued."""
    return db.session.scalars(
        select(Certificate).where(Certificate.booking_id == booking.id, Certificate.replaced_at.is_(None))
    ).first()


def _from_records(booking: Booking, actor: User | None, at: datetime) -> Certificate:
    course_session = booking.session
    course = course_session.course
    minutes = int((course_session.ends_at - course_session.starts_at).total_seconds() // 60)
    return Certificate(
        code=new_code(),
        booking_id=booking.id,
        user_id=booking.user_id,
        issued_at=at,
        issued_by_id=getattr(actor, "id", None),
        holder_name=booking.user.name,
        course_title=course.title,
        level_label=course.level_label,
        attended_at=course_session.starts_at,
        duration_minutes=minutes,
        learning_outcomes=list(course.learning_outcomes or []),
        partnership_name=course_session.partnership.name,
    )


def issue_certificate(actor: User, booking: Booking, at: datetime) -> Certificate:
    """The booking's current certificate, issued now (and audited, `certificate.issued`) if there is
    none yet. Raises CertificateNotAvailable (with the reason) when the booking does not earn one yet.

    Two first downloads at once: the partial unique index refuses the second insert (in a savepoint),
    and the second request returns the first one's certificate.
    """
    existing = current_certificate(booking)
    if existing is not None:
        return existing
    state = availability_of(booking, at)
    if not state.ready:
        raise CertificateNotAvailable(state.reason)
    certificate = _from_records(booking, actor, at)
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
            db.session.flush()
    except IntegrityError:
        made = current_certificate(booking)
        if made is None:
            raise
        return made
    record_audit(actor, "certificate.issued", certificate, session_id=booking.session_id, booking_id=booking.id)
    return certificate


def reissue_certificate(actor: User, certificate: Certificate, at: datetime) -> Certificate:
    """Replace `certificate` with a new one made from the records as they are now (a corrected name,
    title or partnership), with a new code; the old code then verifies as "replaced". Audited as
    `certificate.reissued`. Raises AlreadyReplaced for a certificate that is not the current one.
    """
    # Two re-issues at once: the second waits here, then sees the first one's replacement.
    certificate = db.session.scalars(
        select(Certificate)
        .where(Certificate.id == certificate.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if certificate.replaced_at is not None:
        raise AlreadyReplaced()
    booking = certificate.booking
    certificate.replaced_at = at
    db.session.flush()  # the old one stops being current before the new one is
    replacement = _from_records(booking, actor, at)
    db.session.add(replacement)
    db.session.flush()
    certificate.replaced_by_id = replacement.id
    record_audit(
        actor,
        "certificate.reissued",
        replacement,
        session_id=booking.session_id,
        booking_id=booking.id,
        replaces=certificate.id,
    )
    return replacement
