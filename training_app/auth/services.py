"""Accounts: registration, sign-in checks and password reset."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..contact import team_for_user
from ..errors import DomainError
from ..extensions import db
from ..ids import parse_id
from ..mail import queue_email
from ..models import Agency, OrganisationStatus, Role, User

# Compared against when the email is unknown, so the time taken does not reveal
# whether an account exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password")

TokenUrl = Callable[[str], str]  # a signed token -> the absolute URL of the page that takes it


class AccountDeactivated(DomainError):
    """The right password for an account an administrator has deactivated."""

    message = "This account has been deactivated. Contact the training team."
    field = "email"


class NewOrganisation(TypedDict):
    """The organisation a person names when theirs is not listed (see request_organisation)."""

    name: str
    sector: str | None
    partnership_id: int | None


class Registration(TypedDict, total=False):
    """What the registration form gives register_user: an organisation from the list (agency_id) or
    one the person names (new_organisation)."""

    name: str
    email: str
    password: str
    agency_id: int | None
    new_organisation: NewOrganisation | None
    job_role: str | None
    external_level_completed: int | None


def find_user_by_email(email: str | None) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == (email or "").strip().lower())).first()


def register_user(
    name: str,
    email: str,
    password: str,
    agency_id: int | None = None,
    job_role: str | None = None,
    external_level_completed: int | None = None,
    new_organisation: NewOrganisation | None = None,
) -> User | None:
    """Create an unconfirmed practitioner account. Returns the user, or None when the address
    already has an account; the caller must not tell the person which (see `register_or_notify`).

    With `new_organisation` ("My organisation is not listed") the person joins the organisation of that
    name, or a new one that waits for an administrator's approval but is theirs at once. Raises
    OrganisationError when that organisation is refused (a retired name, an unknown area)."""
    from ..admin.organisation_services import mark_requested_by, request_organisation

    if find_user_by_email(email):
        generate_password_hash(password)  # the same work as a new account, so timing tells nothing
        return None
    agency = request_organisation(None, **new_organisation) if new_organisation else None
    if agency is not None:
        agency_id = agency.id
    user = User(
        name=name,
        email=email.strip(),
        agency_id=agency_id,
        job_role=job_role,
        role=Role.PRACTITIONER,
        external_level_completed=external_level_completed,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    if agency is not None:
        mark_requested_by(agency, user)
    return user


def register_or_notify(
    details: Registration, confirm_url_for: TokenUrl, sign_in_url: str, reset_url: str
) -> User | None:
    """Registration that never reveals whether an address is registered: a new address gets an
    account and a confirmation link; a registered one gets an email saying so, with sign-in and
    reset links. Either way the person is told to check their email."""
    user = register_user(**details)
    if user is None:
        owner = find_user_by_email(details["email"])
        if owner is not None and owner.closed_at is None:
            queue_email(
                owner.email,
                "account_exists",
                "You already have an account",
                user=owner,
                team=team_for_user(owner),
                sign_in_url=sign_in_url,
                reset_url=reset_url,
            )
        return None
    resend_confirmation(user, confirm_url_for)
    return user


def make_confirmation_token(user: User) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email").dumps(
        {"id": user.id, "email": user.email.lower()}
    )


def confirm_email(token: str) -> User | None:
    """Confirm the account a valid, unexpired token is for; returns the user or None."""
    try:
        data = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="confirm-email").loads(
            token, max_age=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"]
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(User, data["id"])
    if user is None or user.closed_at is not None or user.email.lower() != data.get("email"):
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
    return user


def resend_confirmation(user: User, confirm_url_for: TokenUrl) -> None:
    queue_email(
        user.email,
        "confirm_email",
        "Confirm your email address",
        user=user,
        team=team_for_user(user),
        confirm_url=confirm_url_for(make_confirmation_token(user)),
        days=current_app.config["EMAIL_CONFIRMATION_MAX_AGE"] // 86400,
    )


def authenticate(email: str | None, password: str | None) -> User | None:
    """The active user with this email and password, or None (same work either way).

    Raises AccountDeactivated only after the password is checked, so the answer tells nothing to
    someone who does not know it."""
    user = find_user_by_email(email)
    if user is None or user.closed_at is not None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not user.check_password(password or ""):
        return None
    if user.deactivated_at is not None:
        raise AccountDeactivated()
    user.last_seen_at = clock.now()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The hash fragment makes a used token worthless once the password changes.
    return _serializer().dumps({"id": user.id, "h": user.password_hash[-12:]})


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token is for, or None."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user_id = data.get("id")
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.closed_at is not None or user.password_hash[-12:] != data.get("h"):
        return None
    return user


def request_password_reset(email: str | None, reset_url_for: TokenUrl) -> None:
    """Queue a reset email if the account exists; says nothing either way."""
    user = find_user_by_email(email)
    if user is None or user.closed_at is not None:
        return
    queue_email(
        user.email,
        "password_reset",
        "Reset your password",
        user=user,
        team=team_for_user(user),
        reset_url=reset_url_for(make_reset_token(user)),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def reset_password(user: User, new_password: str) -> None:
    """Set a new password and sign the person out of every other device. Following the emailed
    link also proves the address is theirs."""
    user.set_password(new_password)
    user.session_version += 1
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()


def agency_choices(person: User | None = None) -> list[SelectChoice]:
    """The organisations a person may choose: the approved ones, and the one they already have whatever
    its status (one they named that waits for approval, or one since retired)."""
    condition = Agency.status == OrganisationStatus.APPROVED
    if person is not None and person.agency_id is not None:
        condition = condition | (Agency.id == person.agency_id)
    agencies = db.session.scalars(select(Agency).where(condition).order_by(func.lower(Agency.name))).all()
    return [SelectChoice("", "Select your organisation")] + [
        SelectChoice(str(a.id), f"{a.label} ({a.sector})") for a in agencies
    ]


def valid_agency_id(value: object, person: User | None = None) -> int | None:
    """`value` as the id of an organisation the person may choose (see agency_choices), else None."""
    agency_id = parse_id(value)
    agency = db.session.get(Agency, agency_id) if agency_id is not None else None
    if agency is None:
        return None
    if agency.status != OrganisationStatus.APPROVED and (person is None or person.agency_id != agency.id):
        return None
    return agency_id
