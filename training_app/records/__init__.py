"""The training record: what each person completed, what they must keep current, and compliance by
organisation (issue 14)."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("records", __name__)


@bp.app_errorhandler(413)
def too_large(error: Exception) -> ResponseReturnValue:
    """An upload over MAX_CONTENT_LENGTH: say so plainly rather than reset the connection."""
    from flask import current_app

    limit_mb = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    return render_template("errors/413.html", limit_mb=f"{limit_mb:g}"), 413


from . import compliance_routes, requirement_routes, routes, staff_routes, summary  # noqa: E402,F401
