"""A person changing their own sign-in details: their password, and their email address.

A new email address takes effect only when its owner follows a link sent to it; the old address is
told at once, so someone who has taken over a session cannot quietly move the account away. The link
is signed with the account's current address and session version, so it works once, and not after
a password change or sign-out everywhere.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..contact import team_for_user
from ..errors import DomainError
from ..extensions import db
from ..mail import queue_email
from ..models import User
from ..web import external_url

EMAIL_CHANGE_SALT = "change-email"


class AccountChangeError(DomainError):
    """A change to someone's own sign-in details refused; `field` names the input."""


class EmailChangeLinkInvalid(DomainError):
    message = "This link has expired or is not valid."


class EmailTaken(DomainError):
    message = "Another account now uses this email address, so yours has not been changed."


def _check_password(user: User, password: str, field: str) -> None:
    if not user.check_password(password or ""):
        raise AccountChangeError("Your current password is not right", field=field)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Set `user`'s new password after checking the current one; signs them out everywhere else (the
    caller signs the current browser in again) and emails them. Raises AccountChangeError."""
    _check_password(user, current_password, "current_password")
    if user.check_password(new_password):
        raise AccountChangeError("Your new password must be different from your current one", field="password")
    user.set_password(new_password)
    user.session_version += 1
    queue_email(user.email, "password_changed", "Your password has been changed", user=user, team=team_for_user(user))
    record_audit(user, "account.password_changed", user)
    db.session.flush()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CHANGE_SALT)


def email_in_use(address: str, other_than: User) -> bool:
    """Whether an account other than `other_than` has this address (ignoring case, as uq_users_email_lower)."""
    return (
        db.session.scalar(
            select(func.count()).where(func.lower(User.email) == address.strip().lower(), User.id != other_than.id)
        )
        or 0
    ) > 0


def make_email_change_token(user: User, new_email: str) -> str:
    return _serializer().dumps(
        {"id": user.id, "old": user.email.lower(), "new": new_email.strip(), "v": user.session_version}
    )


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Send a confirmation link to `new_email` and tell the current address. If another account already
    has the new address, that address is told so instead of getting a link, and the person sees the
    same answer either way (this cannot be used to find out who has an account).
    Raises AccountChangeError for a wrong password or their own address."""
    _check_password(user, password, "password")
    new_email = new_email.strip()
    if new_email.lower() == user.email.lower():
        raise AccountChangeError("This is already your email address", field="new_email")
    days = current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 86400
    if email_in_use(new_email, user):
        queue_email(new_email, "email_change_taken", "Someone tried to use this email address", user=user)
    else:
        queue_email(
            new_email,
            "email_change_confirm",
            "Confirm your new email address",
            user=user,
            confirm_url=external_url("auth.confirm_email_change", token=make_email_change_token(user, new_email)),
            days=days,
            team=team_for_user(user),
        )
    queue_email(
        user.email,
        "email_change_notice",
        "Your email address is being changed",
        user=user,
        new_email=new_email,
        team=team_for_user(user),
    )
    record_audit(user, "account.email_change_requested", user, new_email=new_email)
    db.session.flush()


def confirm_email_change(token: str) -> tuple[User, str]:
    """Make the address in a valid, unexpired, unused link the account's email address; returns the
    user and their old address. Raises EmailChangeLinkInvalid, or EmailTaken when another account
    has taken the address since the link was sent."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        raise EmailChangeLinkInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("new"), str):
        raise EmailChangeLinkInvalid()
    user = db.session.get(User, data["id"])
    if (
        user is None
        or not user.is_active
        or user.email.lower() != data.get("old")
        or user.session_version != data.get("v")
    ):
        raise EmailChangeLinkInvalid()
    new_email: str = data["new"]
    if email_in_use(new_email, user):
        raise EmailTaken()
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = clock.now()
    try:
        with db.session.begin_nested():  # two links followed at once: the unique index decides
            db.session.flush()
    except IntegrityError:
        raise EmailTaken() from None
    record_audit(user, "account.email_changed", user, before=old_email, after=new_email)
    db.session.flush()
    return user, old_email
