from flask import Blueprint

bp = Blueprint("bookings", __name__)

from . import offer_routes, routes, staff_routes  # noqa: E402,F401
