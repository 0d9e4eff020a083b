"""The navigation: each role's home and menus, asked of the same rules as the pages.

Part of training_app.permissions (see its __init__ for the whole policy)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from ..models import Role

if TYPE_CHECKING:
    pass

from .core import _signed_in, is_admin, sees_all_partnerships
from .people import (
    is_agency_lead,
    may_manage_organisations,
    may_manage_partnerships,
)
from .reports import may_deliver_sessions, may_see_evaluation_summaries, may_see_reports

# --- navigation -----------------------------------------------------------------------------------


class NavItem(NamedTuple):
    endpoint: str
    label: str


def home_endpoint(user: Any) -> str:
    """Where a person lands after signing in: their own daily page (admins: the programme; trainers:
    the sessions they deliver; everyone else: their training)."""
    if is_admin(user):
        return "admin.index"
    if _signed_in(user) and user.role == Role.TRAINER:
        return "bookings.trainer_sessions"
    if is_agency_lead(user):
        return "agency.staff"
    return "bookings.my_training"


def admin_nav_items(user: Any) -> list[NavItem]:
    """The programme-management menu shown on the admin pages, so the header menu stays on one line."""
    if not is_admin(user):
        return []
    items = [NavItem("admin.index", "Courses and sessions"), NavItem("admin.users", "People")]
    if may_manage_organisations(user):
        items.append(NavItem("admin.organisations", "Organisations"))
    if may_manage_partnerships(user):
        items.append(NavItem("admin.partnerships", "Partnerships"))
    items.append(NavItem("admin.venues", "Venues"))
    items.append(NavItem("admin.reviews", "Reviews"))
    items.append(NavItem("admin.suites", "Suites"))
    items.append(NavItem("certificates.admin_list", "Certificates"))
    if sees_all_partnerships(user):
        items.append(NavItem("privacy.audit_log", "Audit log"))
    return items


def nav_items(user: Any) -> list[NavItem]:
    """The links in the header, asked of the same rules the pages use. Kept to one line at 1280 px:
    admins reach evaluation summaries from Reports, and the admin pages have their own menu."""
    items = [NavItem("catalogue.index", "Find training")]
    if not _signed_in(user):
        return [*items, NavItem("catalogue.help", "Help")]
    items.append(NavItem("bookings.my_training", "My training"))
    if user.role == Role.PRACTITIONER:  # staff reach their own record from My training (one header line)
        items.append(NavItem("records.my_record", "My record"))
    if may_deliver_sessions(user):
        items.append(NavItem("bookings.trainer_sessions", "Sessions I deliver"))
    if is_agency_lead(user):
        items.append(NavItem("agency.staff", "My organisation's staff"))
    if may_see_evaluation_summaries(user) and not may_see_reports(user):
        items.append(NavItem("evaluations.summary", "Evaluations"))
    if is_admin(user):
        items.append(NavItem("admin.index", "Programme"))
    if may_see_reports(user):
        items.append(NavItem("reports.index", "Reports"))
    items.append(NavItem("auth.account", "Account"))
    items.append(NavItem("catalogue.help", "Help"))
    return items
