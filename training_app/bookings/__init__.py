from flask import Blueprint

bp = Blueprint("bookings", __name__)

from . import routes, staff_routes  # noqa: E402,F401
