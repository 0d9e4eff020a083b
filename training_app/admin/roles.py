"""People and roles: who runs the programme. System admins appoint trainers and administrators,
partnership admins appoint trainers (the rule is permissions.assignable_roles); every change is audited."""

from __future__ import annotations

from typing import Any

from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Partnership, Role, User
from ..permissions import assignable_roles


class RoleError(DomainError):
    """A role change refused; `field` is "partnership_id" when the partnership is what is wrong."""

    field = "role"


def set_role(actor: User, user: User, role: str, partnership_id: int | None = None) -> None:
    """Give `user` a role (and, for partnership admins, their partnership). Raises RoleError."""
    if user.id == actor.id:
        raise RoleError("You cannot change your own role. Ask another administrator.")
    allowed = assignable_roles(actor)
    if role not in allowed or user.role not in allowed:
        raise RoleError("Only a system administrator can give or take away that role.")
    if user.closed_at is not None:
        raise RoleError("This account is closed.")
    if role == Role.PARTNERSHIP_ADMIN:
        partnership = db.session.get(Partnership, partnership_id) if partnership_id is not None else None
        if partnership is None:
            raise RoleError("Choose the partnership they will run", field="partnership_id")
        if partnership.retired_at is not None and partnership_id != user.partnership_id:
            raise RoleError("That partnership is retired: choose one that is still running", field="partnership_id")
    else:
        partnership_id = (
            user.partnership_id if role != Role.SYSTEM_ADMIN and user.role != Role.PARTNERSHIP_ADMIN else None
        )
    apply_role(actor, user, role, partnership_id)


def apply_role(
    actor: User | None, user: User, role: str, partnership_id: int | None = None, **audit_details: Any
) -> None:  # JSON-able details for the audit event
    """Record the new role (no permission check: set_role and the set-role command decide)."""
    before = {"role": user.role, "partnership_id": user.partnership_id}
    user.role, user.partnership_id = role, partnership_id
    # A change of role takes effect at once on every device.
    user.session_version += 1
    record_audit(
        actor,
        "user.role_changed",
        user,
        before=before,
        after={"role": role, "partnership_id": partnership_id},
        **audit_details,
    )
    db.session.flush()
