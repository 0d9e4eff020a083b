"""Organisations (agencies) as reference data: add, edit, approve, merge, retire and reinstate them, and
the organisation a registering person names when theirs is not listed.

Every function takes the acting user explicitly (None for a person registering, who has no account yet),
flushes (never commits) and records an audit event in the caller's transaction. Who may act on which
organisation is the views' question (permissions.can_manage_organisation, organisation_area_for).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Update, func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import changes, record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import SECTORS, Agency, Booking, EvaluationResponse, OrganisationStatus, Partnership, User

FIELDS = ("name", "sector", "partnership_id")
# Merges followed to find where a merged organisation's people went (merges re-point earlier ones, so one
# step is the norm; the bound only stops a loop the constraints already forbid).
MAX_MERGE_HOPS = 10


class OrganisationError(DomainError):
    """A change to an organisation refused; `field` names the input to correct."""

    field = "name"


@dataclass(frozen=True)
class MergeCounts:
    """What moves when an organisation is merged into another."""

    people: int
    bookings: int
    evaluation_responses: int


def find_by_name(name: str) -> Agency | None:
    """The organisation called `name`, ignoring case and surrounding spaces (any status)."""
    return db.session.scalars(select(Agency).where(func.lower(Agency.name) == name.strip().lower())).first()


def _check_name(name: str, agency: Agency | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise OrganisationError("Enter the organisation's name")
    existing = find_by_name(name)
    if existing is not None and existing is not agency:
        why = {
            OrganisationStatus.RETIRED: " It is retired: reinstate it instead.",
            OrganisationStatus.MERGED: " It was merged into another organisation.",
            OrganisationStatus.PENDING: " It is waiting for approval.",
        }.get(OrganisationStatus(existing.status), "")
        raise OrganisationError(f"There is already an organisation called ‘{existing.name}’.{why}")
    return name


def _check_sector(sector: str | None) -> str:
    if sector not in SECTORS:
        raise OrganisationError("Select the sector", field="sector")
    return sector


def check_partnership(partnership_id: int | None, current_id: int | None = None) -> int | None:
    """A partnership area for an organisation: None (several areas), or one that exists and is not retired
    (an organisation may keep the retired one it already has). Raises OrganisationError."""
    if partnership_id is None or partnership_id == current_id:
        return partnership_id
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None or partnership.retired_at is not None:
        raise OrganisationError("Select a partnership area that is still running", field="partnership_id")
    return partnership_id


def _values(agency: Agency | None, name: str, sector: str | None, partnership_id: int | None) -> dict[str, object]:
    return {
        "name": _check_name(name, agency),
        "sector": _check_sector(sector),
        "partnership_id": check_partnership(partnership_id, agency.partnership_id if agency else None),
    }


def create_organisation(actor: User, name: str, sector: str | None, partnership_id: int | None) -> Agency:
    """Add an approved organisation. Raises OrganisationError (name taken, unknown sector or area)."""
    agency = Agency(status=OrganisationStatus.APPROVED, **_values(None, name, sector, partnership_id))
    db.session.add(agency)
    db.session.flush()
    record_audit(actor, "organisation.created", agency, **{field: getattr(agency, field) for field in FIELDS})
    db.session.flush()
    return agency


def _editable(agency: Agency) -> None:
    if agency.status not in OrganisationStatus.EDITABLE:
        raise OrganisationError("This organisation was merged into another one and cannot be changed.")


def update_organisation(
    actor: User, agency: Agency, name: str, sector: str | None, partnership_id: int | None
) -> dict[str, dict[str, object]]:
    """Change an organisation's name, sector or area; returns what changed. Raises OrganisationError.

    Bookings and answers refer to the organisation, so reports show the new name for the past too."""
    _editable(agency)
    values = _values(agency, name, sector, partnership_id)
    diff = changes(agency, FIELDS, values)
    if diff:
        for field, value in values.items():
            setattr(agency, field, value)
        record_audit(actor, "organisation.updated", agency, changes=diff)
        db.session.flush()
    return diff


def approve_organisation(
    actor: User, agency: Agency, name: str, sector: str | None, partnership_id: int | None
) -> dict[str, dict[str, object]]:
    """Approve an organisation a person named at registration, with any corrections to its name, sector
    or area (rename and approve). Its people keep it; everyone is offered it from now on. Raises
    OrganisationError when it is not waiting for approval or the details are refused."""
    if agency.status != OrganisationStatus.PENDING:
        raise OrganisationError("This organisation is not waiting for approval.")
    values = _values(agency, name, sector, partnership_id)
    diff = changes(agency, FIELDS, values)
    for field, value in values.items():
        setattr(agency, field, value)
    agency.status = OrganisationStatus.APPROVED
    record_audit(actor, "organisation.approved", agency, changes=diff)
    db.session.flush()
    return diff


def merge_counts(agency: Agency) -> MergeCounts:
    """How many people, bookings and evaluation answers name `agency` (and would move in a merge)."""
    people, bookings, responses = (
        db.session.scalar(select(func.count()).select_from(model).where(model.agency_id == agency.id)) or 0
        for model in (User, Booking, EvaluationResponse)
    )
    return MergeCounts(people, bookings, responses)


def merge_organisation(actor: User, source: Agency, target: Agency) -> MergeCounts:
    """Merge the duplicate `source` into the approved `target`: its people, their bookings and their
    evaluation answers move to `target` (answers take `target`'s sector), so reports show one
    organisation. `source` is kept, marked merged, for the audit trail. Returns what moved.
    Raises OrganisationError."""
    _editable(source)
    if target.id == source.id:
        raise OrganisationError("Choose a different organisation to merge into", field="target_id")
    if target.status != OrganisationStatus.APPROVED:
        raise OrganisationError("Choose an approved organisation to merge into", field="target_id")
    moved = MergeCounts(
        people=_move(User, source, target),
        bookings=_move(Booking, source, target),
        evaluation_responses=_rowcount(
            update(EvaluationResponse)
            .where(EvaluationResponse.agency_id == source.id)
            .values(agency_id=target.id, sector=target.sector)
        ),
    )
    from ..agency.appointments import move_appointments  # agency imports admin

    move_appointments(source, target)  # its training leads lead `target` now
    # Organisations merged into `source` earlier now point at where their people went.
    db.session.execute(update(Agency).where(Agency.merged_into_id == source.id).values(merged_into_id=target.id))
    source.status, source.merged_into_id = OrganisationStatus.MERGED, target.id
    details = {"name": source.name, "into_id": target.id, "into_name": target.name, **asdict(moved)}
    record_audit(actor, "organisation.merged", source, **details)
    db.session.flush()
    return moved


def _move(model: type[User] | type[Booking], source: Agency, target: Agency) -> int:
    return _rowcount(update(model).where(model.agency_id == source.id).values(agency_id=target.id))


def _rowcount(statement: Update) -> int:
    """Run an UPDATE; how many rows it changed."""
    result = db.session.execute(statement)
    return int(cast(CursorResult[Any], result).rowcount)


def retire_organisation(actor: User, agency: Agency) -> None:
    """Stop offering an organisation: its people keep it, and reports still name it. Raises OrganisationError."""
    if agency.status not in OrganisationStatus.IN_USE:
        raise OrganisationError("Only an organisation in use can be retired.")
    before = agency.status
    agency.status = OrganisationStatus.RETIRED
    record_audit(actor, "organisation.retired", agency, before=before)
    db.session.flush()


def reinstate_organisation(actor: User, agency: Agency) -> None:
    """Offer a retired organisation again (as approved). Raises OrganisationError."""
    if agency.status != OrganisationStatus.RETIRED:
        raise OrganisationError("Only a retired organisation can be reinstated.")
    agency.status = OrganisationStatus.APPROVED
    record_audit(actor, "organisation.reinstated", agency)
    db.session.flush()


# ---------------------------------------------------------------- "My organisation is not listed"


def organisation_named(name: str) -> Agency | None:
    """The organisation in use that a person means by `name` (ignoring case), or None for a new one.

    An approved or pending one is theirs too; a merged one leads to the one it was merged into. A retired
    one is refused (OrganisationError on "new_organisation_name"): it closed or changed its name.
    """
    agency = find_by_name(name)
    for _ in range(MAX_MERGE_HOPS):
        if agency is None or agency.merged_into is None:
            break
        agency = agency.merged_into
    if agency is not None and agency.status == OrganisationStatus.RETIRED:
        raise OrganisationError(
            f"‘{agency.name}’ is no longer in use: choose your organisation from the list, "
            "or give the name it uses now",
            field="new_organisation_name",
        )
    return agency


def request_organisation(person: User | None, name: str, sector: str | None, partnership_id: int | None) -> Agency:
    """The organisation a person names because theirs is not listed: the existing one of that name (see
    organisation_named), or a new one waiting for an administrator's approval, usable by them at once.
    `person` is who asked (None before their account exists: set it with `mark_requested_by`).
    Raises OrganisationError (field "new_organisation_name", "new_organisation_sector" or
    "new_organisation_partnership_id")."""
    try:
        existing = organisation_named(name)
        if existing is not None:
            return existing
        values = _values(None, name, sector, partnership_id)
    except OrganisationError as error:
        raise OrganisationError(error.message, field=f"new_organisation_{error.field}") from None
    agency = Agency(status=OrganisationStatus.PENDING, requested_by_id=person.id if person else None, **values)
    try:
        with db.session.begin_nested():  # two people naming it at once: the second joins the first's
            db.session.add(agency)
    except IntegrityError:
        found = find_by_name(name)
        if found is None:
            raise
        return found
    record_audit(person, "organisation.requested", agency, **{field: getattr(agency, field) for field in FIELDS})
    db.session.flush()
    return agency


def mark_requested_by(agency: Agency, person: User) -> None:
    """Record who named a new pending organisation, once their account exists."""
    if agency.status == OrganisationStatus.PENDING and agency.requested_by_id is None:
        agency.requested_by_id = person.id
