"""Accounts: registration, sign-in checks and password reset."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..extensions import db
from ..mail import queue_email
from ..models import Agency, User

# Compared against when the email is unknown, so the time taken does not reveal
# whether an account exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class EmailTaken(Exception):
    message = "An account with this email address already exists. Sign in or reset your password."


def find_user_by_email(email):
    return db.session.scalars(
        select(User).where(func.lower(User.email) == (email or "").strip().lower())
    ).first()


def register_user(name, email, password, agency_id, job_role, external_level_completed=None,
                  role="practitioner", partnership_id=None):
    """Create an account. Raises EmailTaken."""
    if find_user_by_email(email):
        raise EmailTaken()
    user = User(name=name, email=email.strip(), agency_id=agency_id, job_role=job_role, role=role,
                partnership_id=partnership_id, external_level_completed=external_level_completed)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email, password):
    """The active user with this email and password, or None (same work either way)."""
    user = find_user_by_email(email)
    if user is None or user.closed_at is not None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or ""):
        return None
    user.last_seen_at = clock.now()
    return user


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user):
    # The hash fragment makes a used token worthless once the password changes.
    return _serializer().dumps({"id": user.id, "h": user.password_hash[-12:]})


def user_for_reset_token(token):
    """The user a valid, unexpired, unused token is for, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data.get("id"), int) else None
    if user is None or user.closed_at is not None or user.password_hash[-12:] != data.get("h"):
        return None
    return user


def request_password_reset(email, reset_url_for):
    """Queue a reset email if the account exists; says nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.closed_at is not None:
        return
    queue_email(user.email, "password_reset", "Reset your password",
                user=user, reset_url=reset_url_for(make_reset_token(user)),
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60)


def reset_password(user, new_password):
    """Set a new password and sign the person out of every other device."""
    user.set_password(new_password)
    user.session_version += 1


def agency_choices():
    agencies = db.session.scalars(select(Agency).order_by(Agency.name)).all()
    return [("", "Select your organisation")] + [(str(a.id), f"{a.name} ({a.sector})") for a in agencies]


def valid_agency_id(value):
    try:
        agency_id = int(value)
    except (TypeError, ValueError):
        return None
    return agency_id if db.session.get(Agency, agency_id) else None
