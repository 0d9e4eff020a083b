from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import contact, organisations, partnership_settings, partnerships, people, routes, session_routes, users, venues  # noqa: E402,F401
