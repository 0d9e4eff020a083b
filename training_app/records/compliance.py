"""Compliance by organisation: for the people of an organisation, a sector or a partnership's area,
how many are current, due, expired or never trained on each requirement, and who.

Counted in SQL from the compliance summary (records/summary.py: each person's latest qualifying
completion per requirement, kept as completions change), the people in scope LEFT JOINed to it, never
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

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, null, or_, select, text

from ..clock import to_london
from ..extensions import db
from ..models import Agency, RequirementCompletion, RequirementStatus, TrainingRequirement, User
from ..pagination import Page, paginate
from ..permissions import compliance_people_condition
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
        compliance_people_condition(actor),
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


def _summary(name: str) -> Any:
    """The summary rows (records/summary.py), as an alias: no row for a person and requirement means
    never completed."""
    return RequirementCompletion.__table__.alias(f"summary_{name}")


def _statuses(conditions: list[ColumnElement[bool]], requirement: TrainingRequirement, today: date) -> Select[Any]:
    summary = _summary("one")
    last = summary.c.last_completed_at
    return (
        select(
            User.id.label("user_id"),
            User.name,
            User.email,
            Agency.name.label("organisation"),
            Agency.sector,
            last.label("last"),
            status_of(last, requirement, today).label("status"),
        )
        .select_from(User)
        .outerjoin(summary, and_(summary.c.requirement_id == requirement.id, summary.c.user_id == User.id))
        .outerjoin(Agency, Agency.id == User.agency_id)
        .where(*conditions)
    )


def _counts(last: ColumnElement[datetime | None], requirement: TrainingRequirement, today: date) -> list[Any]:
    """SQL sums: how many people have each status in STATUSES, given their latest completion `last`
    (records/validity.status_on as comparisons with the cut-offs)."""

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    cutoffs = status_cutoffs(requirement.validity_months, today)
    if cutoffs is None:
        return [count(last.is_not(None)), literal(0), literal(0), count(last.is_(None))]
    return [
        count(last >= cutoffs.due_before),
        count((last >= cutoffs.expired_before) & (last < cutoffs.due_before)),
        count(last < cutoffs.expired_before),
        count(last.is_(None)),
    ]


def _use_memory_for_grouping() -> None:
    """PostgreSQL: let this transaction group 200,000 people in memory (the default 4 MB work_mem spills
    the hash aggregate to disk: 1.6 s instead of 0.9 s in bench/compliance_bench.py)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))


def compliance_figures(
    actor: User, filters: ComplianceFilters, requirements: Sequence[TrainingRequirement], today: date
) -> list[RequirementFigures]:
    """Per requirement, how many people in scope are current, due, expired or never trained.

    One pass over the summary rows of the people in scope, grouped by requirement (each row compared with
    its requirement's cut-offs: current, due, expired); never is everyone else in scope (no summary row),
    from one count of the people. Four LEFT JOINs of the people to each requirement's rows hashed the whole
    summary four times (0.58 s for one organisation). Grouping the million completions on every page instead
    took 1.3 s for a partnership of 200,000 people in bench/compliance_bench.py.
    """
    if not requirements:
        return []
    conditions = people_in_scope(actor, filters)
    summary = _summary("all")
    last = summary.c.last_completed_at
    due_before: list[Any] = []
    expired_before: list[Any] = []
    for r in requirements:
        cutoffs = status_cutoffs(r.validity_months, today)
        if cutoffs is not None:
            due_before.append((summary.c.requirement_id == r.id, literal(cutoffs.due_before)))
            expired_before.append((summary.c.requirement_id == r.id, literal(cutoffs.expired_before)))
    # Each row's own requirement's cut-offs (NULL: it never expires), then three sums per requirement.
    due = case(*due_before, else_=null()) if due_before else null()
    expired = case(*expired_before, else_=null()) if expired_before else null()
    _use_memory_for_grouping()
    people = db.session.scalar(select(func.count()).select_from(User).where(*conditions)) or 0
    rows = db.session.execute(
        select(
            summary.c.requirement_id,
            func.count(),
            func.sum(case((or_(due.is_(None), last >= due), 1), else_=0)),
            func.sum(case((last < expired, 1), else_=0)),
        )
        .select_from(summary)
        .join(User, User.id == summary.c.user_id)
        .where(summary.c.requirement_id.in_([r.id for r in requirements]), *conditions)
        .group_by(summary.c.requirement_id)
    ).all()
    completed = {requirement_id: (int(n), int(c or 0), int(e or 0)) for requirement_id, n, c, e in rows}
    figures = []
    for r in requirements:
        done, current, expired_count = completed.get(r.id, (0, 0, 0))
        counts = (current, done - current - expired_count, expired_count, people - done)
        figures.append(RequirementFigures(r, dict(zip(STATUSES, counts, strict=True))))
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
    page_number: int,
    per_page: int,
) -> tuple[Page, list[PersonStatus]]:
    """One page (by name) of the people in scope with `status` (None: everyone), and the paging. The
    total comes with the page (a window count), so the people are grouped once, not twice."""
    conditions = people_in_scope(actor, filters)
    _use_memory_for_grouping()
    rows = _statuses(conditions, requirement, today).subquery("statuses")
    query = select(rows, func.count().over().label("total"))
    if status is not None:
        query = query.where(rows.c.status == status.value)
    ordered = query.order_by(rows.c.name, rows.c.user_id)
    found = db.session.execute(ordered.offset((page_number - 1) * per_page).limit(per_page)).all()
    if found:
        page = paginate(found[0].total, per_page, page_number)
    else:  # past the end (or nobody): count, and show the last page
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = paginate(total, per_page, page_number)
        if total:
            found = db.session.execute(ordered.offset(page.offset).limit(per_page)).all()
    return page, [_person(row, requirement) for row in found]


CSV_HEADER = ("Requirement", "Name", "Email", "Organisation", "Sector", "Status", "Latest completion", "Expires on")


def compliance_csv_rows(
    actor: User, filters: ComplianceFilters, requirements: Sequence[TrainingRequirement], today: date
) -> Iterator[tuple[object, ...]]:
    """Every person in scope on every requirement, streamed (the database sends rows in batches). The
    queries are built now, while `actor` is at hand; the rows are read as the response is sent."""
    conditions = people_in_scope(actor, filters)
    queries = [
        (r.name, r.validity_months, _statuses(conditions, r, today).order_by(User.name, User.id)) for r in requirements
    ]
    return _csv_rows(queries)


def _csv_rows(queries: list[tuple[str, int | None, Select[Any]]]) -> Iterator[tuple[object, ...]]:
    yield CSV_HEADER
    _use_memory_for_grouping()
    for name, validity_months, query in queries:
        for row in db.session.execute(query.execution_options(yield_per=2000)):
            done = to_london(row.last).date() if row.last is not None else None
            expiry = expires_on(done, validity_months) if done else None
            yield (
                name,
                row.name,
                row.email,
                row.organisation or "",
                row.sector or "",
                RequirementStatus(row.status).label,
                done.isoformat() if done else "",
                expiry.isoformat() if expiry else "",
            )
