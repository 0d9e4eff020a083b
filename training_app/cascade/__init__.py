"""The cascade: training run by people a trainer-of-trainers course trained."""

from flask import Blueprint

bp = Blueprint("cascade", __name__)

from . import routes  # noqa: E402,F401
