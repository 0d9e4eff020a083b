from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import demand_routes, routes  # noqa: E402,F401
