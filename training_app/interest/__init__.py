"""Interest in a course: "Tell me when dates are available", and the head start it gives."""

from flask import Blueprint

bp = Blueprint("interest", __name__)

from . import routes  # noqa: E402,F401
