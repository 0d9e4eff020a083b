"""What the course and session pages need to show the interest button."""

from typing import Any

from flask_login import current_user

from ..models import Course
from .services import waiting_interest


def interest_context(course: Course) -> dict[str, Any]:
    """{"interest": the signed-in person's waiting request for the course, or None}."""
    signed_in = current_user.is_authenticated
    return {"interest": waiting_interest(current_user, course) if signed_in else None}
