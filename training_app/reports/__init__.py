from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import demand_routes, quote_routes, routes  # noqa: E402,F401
