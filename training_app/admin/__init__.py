from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import contact, leads, organisations, partnerships, people, routes, session_routes, users, venues  # noqa: E402,F401
