"""Who may do what. Every view calls one of these; the server decides, never the page."""
from functools import wraps

from flask import abort
from flask_login import current_user


def roles_required(*roles):
    """Allow signed-in users with one of `roles` (403 for other signed-in users)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from .extensions import login_manager
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required("partnership_admin", "system_admin")


def can_manage_course(user, course):
    """System admins manage every course; a partnership admin manages their partnership's."""
    if not user.is_authenticated:
        return False
    if user.role == "system_admin":
        return True
    return user.role == "partnership_admin" and course.owner_partnership_id == user.partnership_id


def can_manage_partnership(user, partnership_id):
    if user.role == "system_admin":
        return True
    return user.role == "partnership_admin" and user.partnership_id == partnership_id


def can_see_register(user, course_session):
    """The session's trainers and the admins of the owning partnership."""
    if not user.is_authenticated:
        return False
    if can_manage_course(user, course_session.course):
        return True
    return any(t.id == user.id for t in course_session.trainers)


def require(condition):
    if not condition:
        abort(403)
