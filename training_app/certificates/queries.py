"""Reads the certificate pages need: the public verification, and the team's list of issued ones."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Booking, Certificate, CourseSession, User
from ..pagination import Page, paginate
from ..permissions import certificates_condition
from .codes import normalise_code

# The list's status filter.
CURRENT, REPLACED = "current", "replaced"


def certificate_for_code(typed: str | None) -> Certificate | None:
    """The certificate with the code someone typed (case, spaces and dashes aside), or None."""
    code = normalise_code(typed)
    if code is None:
        return None
    return db.session.scalars(
        select(Certificate).where(Certificate.code == code).options(joinedload(Certificate.replaced_by))
    ).first()


@dataclass(frozen=True)
class CertificateFilters:
    q: str = ""  # part of the holder's name, the course title or the code
    status: str | None = None  # CURRENT, REPLACED or None (both)
    partnership_id: int | None = None  # a system admin's choice


def _conditions(actor: User, filters: CertificateFilters) -> list[ColumnElement[bool]]:
    conditions = [certificates_condition(actor)]
    if filters.partnership_id is not None:
        conditions.append(CourseSession.partnership_id == filters.partnership_id)
    if filters.status == CURRENT:
        conditions.append(Certificate.replaced_at.is_(None))
    elif filters.status == REPLACED:
        conditions.append(Certificate.replaced_at.is_not(None))
    if filters.q:
        # Wildcards typed into the box are taken out rather than escaped: names and titles have none.
        pattern = "%" + "".join(ch for ch in filters.q.lower() if ch not in "%_\\") + "%"
        conditions.append(
            or_(
                func.lower(Certificate.holder_name).like(pattern),
                func.lower(Certificate.course_title).like(pattern),
                func.lower(Certificate.code).like(pattern),
            )
        )
    return conditions


def certificate_page(
    actor: User, filters: CertificateFilters, page: int, per_page: int
) -> tuple[list[Certificate], Page]:
    """One page of the certificates issued for sessions `actor` may manage that match `filters`, newest
    first. Two statements whatever the number of rows (the count and the page): a row shows only what
    the certificate itself says."""
    base = (
        select(Certificate)
        .join(Booking, Certificate.booking_id == Booking.id)
        .join(CourseSession, Booking.session_id == CourseSession.id)
        .where(*_conditions(actor, filters))
    )
    total = db.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = paginate(total, per_page, page)
    rows = db.session.scalars(
        base.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(pages.per_page).offset(pages.offset)
    ).all()
    return list(rows), pages
