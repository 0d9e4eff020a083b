from flask import Blueprint

bp = Blueprint("evaluations", __name__)

from . import routes  # noqa: E402,F401
