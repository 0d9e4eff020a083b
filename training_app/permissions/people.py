"""People and roles, agency training leads, partnerships and reference data.

Part of training_app.permissions (see its __init__ for the whole policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, false, select, true

from ..extensions import db
from ..models import Agency, AgencyLead, Role, User

if TYPE_CHECKING:
    from ..models import Partnership

from .core import PARTNERSHIP_ADMIN_ASSIGNS, _signed_in, is_admin, own_partnership, sees_all_partnerships

# --- people and roles -----------------------------------------------------------------------------


def assignable_roles(actor: User) -> list[str]:
    """The roles `actor` may give or take away on the role form. An agency training lead is not among
    them: that role comes and goes with the organisations they lead (may_appoint_lead)."""
    if sees_all_partnerships(actor):
        return [role for role in Role if role != Role.AGENCY_LEAD]
    return list(PARTNERSHIP_ADMIN_ASSIGNS)


# --- agency training leads ------------------------------------------------------------------------

# Who may be appointed to lead an organisation's training: practitioners (who become agency leads)
# and people who already lead another. Trainers and administrators have pages of their own.
LEAD_CANDIDATE_ROLES = (Role.PRACTITIONER, Role.AGENCY_LEAD)


def is_agency_lead(user: Any) -> bool:
    """An agency training lead (signed in): sees, books and approves for their organisations' staff."""
    return _signed_in(user) and user.role == Role.AGENCY_LEAD


def lead_agency_ids(user: Any) -> frozenset[int]:
    """The organisations `user` leads training for (none unless they are an agency lead)."""
    if not is_agency_lead(user):
        return frozenset()
    return frozenset(db.session.scalars(select(AgencyLead.agency_id).where(AgencyLead.user_id == user.id)))


def lead_staff_condition(user: User, agency_id: int | None = None) -> ColumnElement[bool]:
    """SQL on User: the open accounts of the organisations `user` leads (narrowed to `agency_id`, one of
    them, when given). People count where they work now (User.agency_id), whatever their bookings say.
    Nobody for anyone who is not an agency lead."""
    if not is_agency_lead(user):
        return false()
    led = select(AgencyLead.agency_id).where(AgencyLead.user_id == user.id)
    if agency_id is not None:
        led = led.where(AgencyLead.agency_id == agency_id)
    return and_(User.agency_id.in_(led), User.closed_at.is_(None))


def may_lead_person(user: Any, person: User) -> bool:
    """`lead_staff_condition` for one loaded person: their organisation is one `user` leads."""
    return person.closed_at is None and person.agency_id is not None and person.agency_id in lead_agency_ids(user)


def may_lead_agency(user: Any, agency_id: int) -> bool:
    """Whether `user` leads the organisation `agency_id` (the staff list's filter, the CSV)."""
    return agency_id in lead_agency_ids(user)


def may_appoint_lead(actor: Any, person: User, agency: Agency) -> bool:
    """Appoint `person` to lead `agency`'s training, or remove them: system admins, and the partnership
    admins who manage the organisation (can_manage_organisation) and may manage the person."""
    return can_manage_organisation(actor, agency) and may_manage_person(actor, person)


# --- partnerships ---------------------------------------------------------------------------------


def may_edit_partnership_contact(user: Any, partnership: Partnership) -> bool:
    """A partnership's contact details: its own admins edit them, and system admins any partnership's."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    # A partnership admin without a partnership (see own_partnership) edits nothing.
    if user.role != Role.PARTNERSHIP_ADMIN or user.partnership_id is None:
        return False
    return bool(user.partnership_id == partnership.id)


def may_see_people(user: Any) -> bool:
    """The People pages: administrators (each sees the people of their area, see people_condition)."""
    return is_admin(user)


def people_condition(actor: User) -> ColumnElement[bool]:
    """SQL on User: the people `actor` may find and see. System admins: everyone. Partnership admins:
    the people of their area (User.in_area_of: their own partnership or their organisation's).
    Anyone else: nobody."""
    if sees_all_partnerships(actor):
        return true()
    if is_admin(actor) and actor.partnership_id is not None:
        return User.in_area_of(actor.partnership_id)
    return false()


def may_see_person(actor: Any, person: User) -> bool:
    """`people_condition` for one loaded person."""
    if not is_admin(actor):
        return False
    if sees_all_partnerships(actor):
        return True
    return actor.partnership_id is not None and person.is_in_area_of(actor.partnership_id)


def may_manage_person(actor: Any, person: User) -> bool:
    """Edit someone's details, deactivate or reactivate them, resend their confirmation: whoever may see
    them, except that a partnership admin may not touch a system admin or another partnership's admin."""
    if not may_see_person(actor, person):
        return False
    if sees_all_partnerships(actor):
        return True
    if person.role == Role.SYSTEM_ADMIN:
        return False
    return person.role != Role.PARTNERSHIP_ADMIN or person.partnership_id == actor.partnership_id


# --- reference data: organisations and partnerships ----------------------------------------------


def may_manage_organisations(user: Any) -> bool:
    """Administrators keep the organisations list: system admins all, partnership admins their area's."""
    return is_admin(user)


def can_manage_organisation(user: Any, agency: Agency) -> bool:
    """System admins manage every organisation; a partnership admin those in their partnership's area."""
    if not _signed_in(user):
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return (
        user.role == Role.PARTNERSHIP_ADMIN
        and user.partnership_id is not None
        and agency.partnership_id == user.partnership_id
    )


def managed_organisations_condition(user: User) -> ColumnElement[bool]:
    """SQL on Agency: the organisations `user` manages (403 for a partnership admin without one)."""
    if sees_all_partnerships(user):
        return true()
    return Agency.partnership_id == own_partnership(user)


def organisation_area_for(user: User, requested_partnership_id: int | None) -> int | None:
    """The partnership area of an organisation `user` adds or edits: a system admin chooses it (or none:
    it covers several areas); a partnership admin's organisations are always in their own area."""
    if sees_all_partnerships(user):
        return requested_partnership_id
    return own_partnership(user)


def may_manage_partnerships(user: Any) -> bool:
    """Only system administrators add, rename and retire partnerships."""
    return sees_all_partnerships(user)
