"""Accounts: registration, sign-in, sign-out, password reset by an expiring emailed link, profile."""

import re

import pytest
from sqlalchemy import func, select

from support import PASSWORD
from training_app.models import OutboxMessage, User


@pytest.fixture
def agency(make_agency):
    return make_agency("Hampshire Constabulary", "Police")


def register(post_form, agency, **overrides):
    data = {
        "name": "Rowan Officer",
        "agency_id": str(agency.id),
        "job_role": "Police constable",
        "external_level_completed": "",
        "email": "Rowan.Officer@Example.org",
        "password": "harbour-violet-kettle",
        **overrides,
    }
    return post_form("/register", data)


def confirmation_link(db, to):
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ).first()
    return message, re.search(r"https?://\S+", message.body_text).group(0).split("localhost", 1)[1]


def test_register_then_confirm_by_the_emailed_link(client, db, agency, post_form):
    response = register(post_form, agency)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    user = db.session.scalars(select(User)).one()
    assert (user.role, user.agency_id, user.email) == ("practitioner", agency.id, "Rowan.Officer@Example.org")
    assert user.check_password("harbour-violet-kettle") and user.email_confirmed_at is None
    # Not signed in, and signing in before confirming sends a fresh link instead.
    assert client.get("/my-training").status_code == 302
    early = post_form("/sign-in", {"email": "rowan.officer@example.org", "password": "harbour-violet-kettle"})
    assert "You need to confirm your email address" in early.get_data(as_text=True)
    message, path = confirmation_link(db, user.email)
    assert message.subject == "Confirm your email address" and path.startswith("/confirm-email/")
    confirmed = client.get(path, follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)
    db.session.refresh(user)
    assert user.email_confirmed_at is not None
    assert "Rowan.Officer@Example.org" in client.get("/account").get_data(as_text=True)
    assert client.get("/confirm-email/not-a-token").status_code == 400


def test_registering_a_taken_address_reveals_nothing_and_tells_the_owner(client, db, agency, post_form, make_user):
    owner = make_user(email="rowan.officer@example.org")
    new = register(post_form, agency, email="someone.new@example.org").get_data(as_text=True)
    taken = register(post_form, agency, email="ROWAN.OFFICER@example.org").get_data(as_text=True)

    def strip(page):
        return re.sub(
            r"someone\.new@example\.org|ROWAN\.OFFICER@example\.org",
            "EMAIL",
            re.sub(r'(value|nonce)="[^"]+"', "", page),
        )

    assert strip(new) == strip(taken)
    assert db.session.scalar(select(func.count(User.id))) == 2
    message, _ = confirmation_link(db, owner.email)
    assert message.subject == "You already have an account"


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "Enter your full name"),
        ("name", "x" * 10000, "Full name must be 200 characters or fewer"),
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("password", "short", "Password must be 10 characters or more"),
        ("password", "password123", "Password is too easy to guess"),
        ("agency_id", "99999", "Not a valid choice"),
        ("job_role", "", "Enter your job role"),
    ],
)
def test_registration_errors_rerender_with_an_error_summary(client, db, agency, post_form, field, value, message):
    response = register(post_form, agency, **{field: value})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert "<title>Error:" in page
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_sign_in_and_out(client, db, make_user, post_form):
    user = make_user(email="dsl@school.example")
    wrong = post_form("/sign-in", {"email": "dsl@school.example", "password": "nope-nope-nope"})
    assert "Enter a correct email address and password" in wrong.get_data(as_text=True)
    unknown = post_form("/sign-in", {"email": "nobody@school.example", "password": "nope-nope-nope"})
    assert "Enter a correct email address and password" in unknown.get_data(as_text=True)
    ok = post_form("/sign-in", {"email": "DSL@school.example", "password": PASSWORD})
    assert ok.status_code == 302
    assert client.get("/my-training").status_code == 200
    client.get("/sign-out")
    assert client.get("/my-training").status_code == 302
    assert user.last_seen_at is not None


def test_sign_in_ignores_offsite_next(client, db, make_user, post_form):
    make_user(email="a@b.example")
    token_page = "/sign-in?next=https://evil.example/"
    response = post_form(token_page, {"email": "a@b.example", "password": PASSWORD})
    assert response.headers["Location"] == "/my-training"


@pytest.mark.parametrize(
    ("role", "partnership", "home"),
    [
        ("practitioner", None, "/my-training"),
        ("trainer", None, "/trainer/sessions"),
        ("partnership_admin", "HSCP", "/admin/"),
        ("system_admin", None, "/admin/"),
    ],
)
def test_staff_land_on_their_own_home_after_signing_in(client, db, make_user, post_form, role, partnership, home):
    make_user(role, partnership, email="person@example.org")
    response = post_form("/sign-in", {"email": "person@example.org", "password": PASSWORD})
    assert response.headers["Location"] == home
    # Visiting the sign-in page while signed in goes home too.
    assert client.get("/sign-in").headers["Location"] == home


def test_password_reset_link_works_once_and_expires(app, client, db, make_user, post_form, frozen_clock):
    user = make_user(email="reset@example.org")
    page = post_form("/forgot-password", {"email": "reset@example.org"}).get_data(as_text=True)
    assert "Check your email" in page
    same = post_form("/forgot-password", {"email": "unknown@example.org"}).get_data(as_text=True)
    assert "Check your email" in same  # no account enumeration
    [message] = db.session.scalars(select(OutboxMessage)).all()
    link = re.search(r"https?://\S+/reset-password/\S+", message.body_text).group(0)
    path = link.split("localhost", 1)[1]
    response = post_form(path, {"password": "new-harbour-kettle", "confirm": "new-harbour-kettle"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password("new-harbour-kettle")
    assert client.get(path).status_code == 400  # used once: the password it was made for has gone


def test_database_refuses_the_same_email_in_another_case(db, make_user):
    from sqlalchemy.exc import IntegrityError

    make_user(email="case@example.org")
    with pytest.raises(IntegrityError):
        make_user(email="CASE@example.org")
    db.session.rollback()


def test_password_reset_link_expires(app, client, db, make_user):
    from itsdangerous import URLSafeTimedSerializer

    from training_app.auth.services import make_reset_token, user_for_reset_token

    user = make_user()
    with app.test_request_context():
        token = make_reset_token(user)
        assert user_for_reset_token(token) == user
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset")
        # Signed an hour and a second ago: too old.
        import time
        from unittest import mock

        with mock.patch("time.time", return_value=time.time() - 3601):
            stale = old.dumps({"id": user.id, "h": user.password_hash[-12:]})
        assert user_for_reset_token(stale) is None
        assert user_for_reset_token("garbage") is None


def test_profile_update_and_errors(client, db, login, make_user, make_agency, post_form):
    user = login(make_user())
    police = make_agency("Hampshire Constabulary", "Police")
    bad = post_form("/account", {"name": "", "agency_id": str(police.id), "job_role": "PC"})
    assert "Enter your full name" in bad.get_data(as_text=True)
    ok = post_form(
        "/account",
        {"name": "New Name", "agency_id": str(police.id), "job_role": "PC", "external_level_completed": "2"},
        follow_redirects=True,
    )
    assert "Your details have been saved" in ok.get_data(as_text=True)
    db.session.refresh(user)
    assert (user.name, user.agency_id, user.external_level_completed) == ("New Name", police.id, 2)


def test_sign_out_everywhere_invalidates_other_sessions(app, client, db, login, make_user, post_form):
    user = login(make_user())
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = user.get_id()
    post_form("/account", {}, url="/account/sign-out-everywhere")
    from flask import g

    g.pop("_login_user", None)
    assert other.get("/my-training").status_code == 302


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    from training_app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL, PUBLIC_BASE_URL"):
        create_app("production")


def test_database_url_selects_psycopg():
    from config import database_url

    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_unknown_pages_are_404_in_service_style(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
    assert client.get("/courses/no-such-course").status_code == 404
    assert client.get("/sessions/99999").status_code == 404
