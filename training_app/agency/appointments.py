"""Appointing agency training leads and removing them: audited, in the caller's transaction.

A practitioner appointed to lead an organisation becomes an agency lead (Role.AGENCY_LEAD); removing
their last organisation makes them a practitioner again. Either change of role signs them out
everywhere, as every change of role does (admin.roles.apply_role).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..admin.roles import apply_role
from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Agency, AgencyLead, OrganisationStatus, Role, User
from ..permissions import LEAD_CANDIDATE_ROLES, may_appoint_lead


class AppointmentError(DomainError):
    """An appointment refused; the field is the organisation chosen."""

    field = "agency_id"


def appointments_of(person: User) -> Sequence[AgencyLead]:
    """The organisations `person` leads, by name, with who appointed them."""
    return db.session.scalars(
        select(AgencyLead)
        .join(Agency, AgencyLead.agency_id == Agency.id)
        .where(AgencyLead.user_id == person.id)
        .options(joinedload(AgencyLead.agency), joinedload(AgencyLead.appointed_by))
        .order_by(Agency.name)
    ).all()


def appoint_lead(actor: User, person: User, agency: Agency) -> AgencyLead:
    """Appoint `person` to lead `agency`'s training (a practitioner becomes an agency lead).

    Raises AppointmentError when the actor may not (permissions.may_appoint_lead), the person is not a
    practitioner or lead, their account is closed or deactivated, the organisation is merged or
    retired, or they already lead it."""
    if not may_appoint_lead(actor, person, agency):
        raise AppointmentError("You cannot appoint leads for that organisation.")
    if person.closed_at is not None or person.deactivated_at is not None:
        raise AppointmentError("Their account is not active, so they cannot lead an organisation's training.")
    if person.role not in LEAD_CANDIDATE_ROLES:
        raise AppointmentError(
            f"{person.name} is a {Role(person.role).label.lower()}: only practitioners can be appointed as agency "
            "training leads."
        )
    if agency.status not in OrganisationStatus.IN_USE:
        raise AppointmentError("That organisation is no longer in use: choose another.")
    if db.session.get(AgencyLead, (person.id, agency.id)) is not None:
        raise AppointmentError(f"{person.name} already leads training for {agency.name}.")
    appointment = AgencyLead(user=person, agency=agency, appointed_by=actor, appointed_at=clock.now())
    db.session.add(appointment)
    db.session.flush()
    record_audit(actor, "user.lead_appointed", person, agency_id=agency.id, agency=agency.name)
    if person.role == Role.PRACTITIONER:
        apply_role(actor, person, Role.AGENCY_LEAD, person.partnership_id)
    return appointment


def remove_lead(actor: User, person: User, agency: Agency) -> bool:
    """End `person`'s appointment as `agency`'s training lead; returns whether they still lead any
    organisation (if not, an agency lead becomes a practitioner again).

    Raises AppointmentError when the actor may not, or they do not lead it."""
    if not may_appoint_lead(actor, person, agency):
        raise AppointmentError("You cannot remove leads for that organisation.")
    appointment = db.session.get(AgencyLead, (person.id, agency.id))
    if appointment is None:
        raise AppointmentError(f"{person.name} does not lead training for {agency.name}.")
    db.session.delete(appointment)
    db.session.flush()
    record_audit(actor, "user.lead_removed", person, agency_id=agency.id, agency=agency.name)
    still_leads = db.session.scalar(select(AgencyLead.agency_id).where(AgencyLead.user_id == person.id).limit(1))
    if still_leads is None and person.role == Role.AGENCY_LEAD:
        apply_role(actor, person, Role.PRACTITIONER, person.partnership_id)
    return still_leads is not None


def appointable_agencies(actor: User) -> Sequence[Agency]:
    """The organisations `actor` may appoint leads for (those they manage, still in use), by name."""
    from ..permissions import managed_organisations_condition

    return db.session.scalars(
        select(Agency)
        .where(managed_organisations_condition(actor), Agency.status.in_(OrganisationStatus.IN_USE))
        .order_by(func.lower(Agency.name), Agency.id)
    ).all()


def move_appointments(source: Agency, target: Agency) -> int:
    """When `source` is merged into `target` (admin.organisation_services.merge_organisation), whoever led
    `source` leads `target` instead, since its people moved there. Returns how many appointments moved."""
    moved = 0
    for appointment in db.session.scalars(select(AgencyLead).where(AgencyLead.agency_id == source.id)).all():
        if db.session.get(AgencyLead, (appointment.user_id, target.id)) is None:
            db.session.add(
                AgencyLead(
                    user_id=appointment.user_id,
                    agency_id=target.id,
                    appointed_by_id=appointment.appointed_by_id,
                    appointed_at=appointment.appointed_at,
                )
            )
            moved += 1
        db.session.delete(appointment)
    db.session.flush()
    return moved
