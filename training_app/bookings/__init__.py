from flask import Blueprint

bp = Blueprint("bookings", __name__)

from . import approval_routes, non_attendance_routes, offer_routes, routes, staff_routes  # noqa: E402,F401
