from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import (  # noqa: E402,F401
    contact,
    leads,
    organisations,
    partnership_settings,
    partnerships,
    people,
    reviews,
    routes,
    session_routes,
    suites,
    users,
    venues,
)
