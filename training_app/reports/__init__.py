from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import board_routes, demand_routes, quote_routes, routes  # noqa: E402,F401
