"""Compliance by organisation: for the people of an organisation, a sector or a partnership's area,
how many are current, due, expired or never trained on each requirement, and who.

Counted in SQL (one GROUP BY per requirement over each person's latest qualifying completion), never
person by person in Python: bench/compliance_bench.py times it for a partnership of 200,000 people.
People count where they are now (their current organisation and partnership); their completions go
with them, and bookings keep the organisation they had when they booked, for the reach reports.
Closed and deactivated accounts are not counted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, literal, select

from ..clock import to_london
from ..extensions import db
from ..models import Agency, RequirementStatus, TrainingRequirement, User
from ..permissions import people_condition
from .completions import latest_completions
from .validity import expires_on, status_cutoffs

STATUSES = (RequirementStatus.CURRENT, RequirementStatus.DUE, RequirementStatus.EXPIRED, RequirementStatus.NEVER)


@dataclass(frozen=True)
class ComplianceFilters:
    partnership_id: int | None = None
    agency_id: int | None = None
    sector: str | None = None


@dataclass(frozen=True)
class RequirementFigures:
    requirement: TrainingRequirement
    counts: dict[RequirementStatus, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, status: RequirementStatus) -> float:
        """The share of people with `status`, 0 to 100 (0 when nobody is counted)."""
        return 100 * self.counts.get(status, 0) / self.total if self.total else 0.0


def people_in_scope(actor: User, filters: ComplianceFilters) -> list[ColumnElement[bool]]:
    """SQL on User: open accounts `actor` may see, narrowed by the filters (where people are now)."""
    conditions: list[ColumnElement[bool]] = [
        User.closed_at.is_(None),
        User.deactivated_at.is_(None),
        people_condition(actor),
    ]
    if filters.partnership_id is not None:
        conditions.append(User.in_area_of(filters.partnership_id))
    if filters.agency_id is not None:
        conditions.append(User.agency_id == filters.agency_id)
    if filters.sector:
        conditions.append(User.agency_id.in_(select(Agency.id).where(Agency.sector == filters.sector)))
    return conditions


def status_of(
    last: ColumnElement[datetime | None], requirement: TrainingRequirement, today: date
) -> ColumnElement[str]:
    """SQL: the status (records/validity.status_on) of someone whose latest completion is `last`."""
    cutoffs = status_cutoffs(requirement.validity_months, today)
    if cutoffs is None:
        return case(
            (last.is_(None), literal(RequirementStatus.NEVER.value)), else_=literal(RequirementStatus.CURRENT.value)
        )
    return case(
        (last.is_(None), literal(RequirementStatus.NEVER.value)),
        (last < cutoffs.expired_before, literal(RequirementStatus.EXPIRED.value)),
        (last < cutoffs.due_before, literal(RequirementStatus.DUE.value)),
        else_=literal(RequirementStatus.CURRENT.value),
    )


def _statuses(actor: User, filters: ComplianceFilters, requirement: TrainingRequirement, today: date) -> Select[Any]:
    conditions = people_in_scope(actor, filters)
    people = select(User.id).where(*conditions)
    latest = latest_completions(requirement, people).subquery("latest")
    return (
        select(
            User.id.label("user_id"),
            User.name,
            User.email,
            Agency.name.label("organisation"),
            Agency.sector,
            latest.c.last,
            status_of(latest.c.last, requirement, today).label("status"),
        )
        .select_from(User)
        .outerjoin(latest, latest.c.user_id == User.id)
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(*conditions)
    )


def compliance_figures(
    actor: User, filters: ComplianceFilters, requirements: Sequence[TrainingRequirement], today: date
) -> list[RequirementFigures]:
    """Per requirement, how many people in scope are current, due, expired or never trained."""
    figures = []
    for requirement in requirements:
        rows = _statuses(actor, filters, requirement, today).subquery("statuses")
        grouped = db.session.execute(select(rows.c.status, func.count()).group_by(rows.c.status)).all()
        counts: dict[str, int] = {status: number for status, number in grouped}
        figures.append(RequirementFigures(requirement, {s: int(counts.get(s.value, 0)) for s in STATUSES}))
    return figures


@dataclass(frozen=True)
class PersonStatus:
    user_id: int
    name: str
    email: str
    organisation: str | None
    sector: str | None
    status: RequirementStatus
    completed_on: date | None
    expires_on: date | None


def _person(row: Any, requirement: TrainingRequirement) -> PersonStatus:
    last = row.last
    done = to_london(last).date() if last is not None else None
    return PersonStatus(
        row.user_id,
        row.name,
        row.email,
        row.organisation,
        row.sector,
        RequirementStatus(row.status),
        done,
        expires_on(done, requirement.validity_months) if done else None,
    )


def people_with_status(
    actor: User,
    filters: ComplianceFilters,
    requirement: TrainingRequirement,
    status: RequirementStatus | None,
    today: date,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[PersonStatus]]:
    """(how many, one page of them by name) of the people in scope with `status` (None: everyone)."""
    rows = _statuses(actor, filters, requirement, today).subquery("statuses")
    query = select(rows)
    if status is not None:
        query = query.where(rows.c.status == status.value)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = db.session.execute(query.order_by(rows.c.name, rows.c.user_id).offset(offset).limit(limit)).all()
    return total, [_person(row, requirement) for row in page]


CSV_HEADER = ("Requirement", "Name", "Email", "Organisation", "Sector", "Status", "Latest completion", "Expires on")


def compliance_csv_rows(
    actor: User, filters: ComplianceFilters, requirements: Sequence[TrainingRequirement], today: date
) -> Iterator[tuple[object, ...]]:
    """Every person in scope on every requirement, streamed (the database sends rows in batches)."""
    yield CSV_HEADER
    for requirement in requirements:
        query = _statuses(actor, filters, requirement, today).order_by(User.name, User.id)
        for row in db.session.execute(query.execution_options(yield_per=2000)):
            person = _person(row, requirement)
            yield (
                requirement.name,
                person.name,
                person.email,
                person.organisation or "",
                person.sector or "",
                person.status.label,
                person.completed_on.isoformat() if person.completed_on else "",
                person.expires_on.isoformat() if person.expires_on else "",
            )
