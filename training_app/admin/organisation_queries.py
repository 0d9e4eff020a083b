"""Reads the organisation and partnership pages need: the filtered, paged list, the approval queue's
size, the organisations a duplicate may be merged into, and the partnerships with their counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import joinedload

from ..catalogue.services import escape_like
from ..extensions import db
from ..models import Agency, OrganisationStatus, Partnership, User
from ..pagination import Page, paginate
from ..permissions import managed_organisations_condition


@dataclass(frozen=True)
class OrganisationFilters:
    """What the list was asked for: a status (None: any), a partnership area (system admins), a name."""

    status: str | None = None
    partnership_id: int | None = None
    q: str = ""


@dataclass(frozen=True)
class OrganisationRow:
    agency: Agency
    people: int


def _conditions(actor: User, filters: OrganisationFilters) -> list[ColumnElement[bool]]:
    conditions = [managed_organisations_condition(actor)]
    if filters.status is not None:
        conditions.append(Agency.status == filters.status)
    if filters.partnership_id is not None:
        conditions.append(Agency.partnership_id == filters.partnership_id)
    if filters.q:
        conditions.append(func.lower(Agency.name).like(f"%{escape_like(filters.q.lower())}%", escape="\\"))
    return conditions


def organisation_page(
    actor: User, filters: OrganisationFilters, page: int, per_page: int
) -> tuple[list[OrganisationRow], Page]:
    """One page of the organisations `actor` manages that match `filters`, by name, with how many people
    are in each. Two statements whatever the number of rows: the count, and the page (with its
    partnership, requester and merge target joined in)."""
    conditions = _conditions(actor, filters)
    total = db.session.scalar(select(func.count(Agency.id)).where(*conditions)) or 0
    pages = paginate(total, per_page, page)
    people = select(func.count(User.id)).where(User.agency_id == Agency.id, User.closed_at.is_(None)).scalar_subquery()
    rows = db.session.execute(
        select(Agency, people.label("people"))
        .where(*conditions)
        .options(joinedload(Agency.partnership), joinedload(Agency.requested_by), joinedload(Agency.merged_into))
        .order_by(func.lower(Agency.name), Agency.id)
        .limit(pages.per_page)
        .offset(pages.offset)
    ).all()
    return [OrganisationRow(row.Agency, row.people) for row in rows], pages


def pending_count(actor: User) -> int:
    """How many organisations `actor` manages are waiting for approval."""
    return (
        db.session.scalar(
            select(func.count(Agency.id)).where(
                managed_organisations_condition(actor), Agency.status == OrganisationStatus.PENDING
            )
        )
        or 0
    )


def merge_targets(actor: User, source: Agency) -> Sequence[Agency]:
    """The approved organisations `actor` manages that `source` may be merged into, by name."""
    return db.session.scalars(
        select(Agency)
        .where(
            managed_organisations_condition(actor),
            Agency.status == OrganisationStatus.APPROVED,
            Agency.id != source.id,
        )
        .order_by(func.lower(Agency.name))
    ).all()


def partnerships_with_counts() -> Sequence[Row[tuple[Partnership, int]]]:
    """Every partnership by code, with how many organisations in use are in its area."""
    organisations = (
        select(func.count(Agency.id))
        .where(Agency.partnership_id == Partnership.id, Agency.status.in_(OrganisationStatus.IN_USE))
        .scalar_subquery()
    )
    query = select(Partnership, organisations.label("organisations")).order_by(Partnership.code)
    return db.session.execute(query).all()
