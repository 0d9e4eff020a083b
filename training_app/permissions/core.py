"""Who someone is as far as the rules care, and the decorators for whole areas.

Part of training_app.permissions (see its __init__ for the whole policy)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user

from ..models import Role, User

if TYPE_CHECKING:
    pass


View = TypeVar("View", bound=Callable[..., Any])

ADMIN_ROLES = Role.ADMINS
# Trainers read the summaries of the sessions they deliver; administrators those of their courses.
SUMMARY_ROLES = Role.STAFF
# What a partnership admin may give or take away; a system admin may assign every role.
PARTNERSHIP_ADMIN_ASSIGNS = (Role.PRACTITIONER, Role.TRAINER)


def _signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False))


# --- decorators for a whole area -----------------------------------------------------------------


def roles_required(*roles: str) -> Callable[[View], View]:
    """Allow signed-in users with one of `roles` (403 for other signed-in users)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from ..extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = roles_required(*ADMIN_ROLES)
summary_roles_required = roles_required(*SUMMARY_ROLES)


def require(condition: bool) -> None:
    """403 unless `condition` holds."""
    if not condition:
        abort(403)


# --- who someone is, as far as the rules care ------------------------------------------------------


def is_admin(user: Any) -> bool:
    """A partnership or system administrator (signed in)."""
    return _signed_in(user) and user.role in ADMIN_ROLES


def sees_all_partnerships(user: Any) -> bool:
    """System admins see and manage all four partnerships (choose an owner, filter by partnership)."""
    return _signed_in(user) and user.role == Role.SYSTEM_ADMIN


def partnership_scope(user: User) -> int | None:
    """The partnership whose data an administrator is limited to; None for a system admin (all)."""
    return None if sees_all_partnerships(user) else user.partnership_id


def own_partnership(user: User) -> int:
    """The partnership a partnership admin is limited to, or 403.

    The database refuses a partnership admin without a partnership, but a user object can still carry
    None (unsaved, or a role changed in memory): narrowing a scope to None would mean "every
    partnership", so the rules refuse instead of failing open.
    """
    if user.partnership_id is None:
        abort(403)
    return user.partnership_id
