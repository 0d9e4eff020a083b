"""Agency training leads: the staff of the organisations a lead leads (their bookings, record and
counts, a CSV), booking them onto sessions, and approving their bookings in place of a manager.

Who leads which organisation is models.AgencyLead, appointed by administrators (.appointments, from
the admin person page); who may see whom is permissions.lead_staff_condition / may_lead_person."""

from flask import Blueprint

bp = Blueprint("agency", __name__, url_prefix="/agency")

from . import approval_routes, routes  # noqa: E402,F401
