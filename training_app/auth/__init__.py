from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import account_changes, routes  # noqa: E402,F401
