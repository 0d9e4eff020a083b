"""Certificates of attendance: download (the delegate and the team), public verification, the
team's list and re-issue. Rules in .eligibility and .services, page reads in .queries."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from . import routes  # noqa: E402,F401
