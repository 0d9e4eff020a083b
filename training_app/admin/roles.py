"""People and roles: who runs the programme. System admins appoint trainers and administrators,
partnership admins appoint trainers (the rule is permissions.assignable_roles); every change is audited."""

from __future__ import annotations

import secrets
from typing import Any

from email_validator import EmailNotValidError, validate_email

from .. import clock
from ..audit import record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Partnership, Role, User
from ..permissions import assignable_roles


class RoleError(DomainError):
    """A role change refused; `field` is "partnership_id" when the partnership is what is wrong."""

    field = "role"


def set_role(actor: User, user: User, role: str, partnership_id: int | None = None) -> bool:
    """Give `user` a role (and, for partnership admins, their partnership); returns whether anything
    changed. Raises RoleError."""
    if user.id == actor.id:
        raise RoleError("You cannot change your own role. Ask another administrator.")
    if Role.AGENCY_LEAD in (role, user.role):
        # The role comes and goes with the organisations they lead (agency.appointments).
        raise RoleError(
            "Agency training leads are appointed to an organisation, and stop being leads when their last "
            "organisation is removed: change the organisations they lead on their page instead."
        )
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
    return apply_role(actor, user, role, partnership_id)


def apply_role(
    actor: User | None, user: User, role: str, partnership_id: int | None = None, **audit_details: Any
) -> bool:  # JSON-able details for the audit event
    """Record the new role (no permission check: set_role and the set-role command decide).

    Returns False, and touches nothing, when the role and partnership are already these: saving an
    unchanged form must not sign the person out everywhere or write an audit entry."""
    if (user.role, user.partnership_id) == (role, partnership_id):
        return False
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
    return True


def create_system_admin(email: str, name: str) -> User:
    """A confirmed system administrator with no usable password: they choose one by following a
    password-reset link (auth.services.make_reset_token). How a new installation gets its first
    administrator, without anyone registering. Raises RoleError when the address is not a valid
    one or already has an account (give that account the role instead)."""
    email, name = email.strip(), name.strip()
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise RoleError(f"{email!r} is not a valid email address: {error}", field="email") from error
    if not name or len(name) > 200:
        raise RoleError("Give the administrator's name (200 characters or fewer)", field="name")
    from ..auth.services import find_user_by_email

    if find_user_by_email(email) is not None:
        raise RoleError(
            f"{email} already has an account. Give it the role with: flask --app wsgi set-role {email} system_admin",
            field="email",
        )
    user = User(name=name, email=email, role=Role.PRACTITIONER, email_confirmed_at=clock.now())
    user.set_password(secrets.token_urlsafe(32))  # never told to anyone: the reset link sets the real one
    db.session.add(user)
    db.session.flush()
    record_audit(None, "user.created", user, via="command line")
    apply_role(None, user, Role.SYSTEM_ADMIN, None, via="command line")
    return user
