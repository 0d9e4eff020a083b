"""Links in emails, calendars and feed addresses come from PUBLIC_BASE_URL, never from the request.

Each test sends its requests with a hostile Host header (as anyone can) and checks that no link
points there. The app's PUBLIC_BASE_URL is set to a third address, so a link built from the
request or from SERVER_NAME ("localhost") would show.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from support import PASSWORD, csrf_from
from training_app import create_app
from training_app.mail import attachment_part
from training_app.models import OutboxMessage, User

HOSTILE = "http://evil.example"
PUBLIC = "https://training.hips.test"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def public_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)


def hostile_post(client, page, data, url=None):
    """GET `page` and POST the form to `url` (default the same page), both with the hostile Host."""
    from flask import g

    g.pop("csrf_token", None)  # the tests share one app context: forget the token of an earlier session
    token = csrf_from(client.get(page, base_url=HOSTILE).get_data(as_text=True))
    return client.post(url or page, data={**data, "csrf_token": token}, base_url=HOSTILE)


def hostile_sign_in(client, user):
    response = hostile_post(client, "/sign-in", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def links(text):
    return re.findall(r"https?://[^\s\"<>]+", text)


def assert_public(text, expected_paths):
    """Every link in `text` is on PUBLIC_BASE_URL, and these paths are among them."""
    found = links(text)
    assert "evil.example" not in text
    assert all(link.startswith(PUBLIC + "/") for link in found if "teams.microsoft" not in link), found
    for path in expected_paths:
        assert any(link.startswith(PUBLIC + path) for link in found), (path, found)


def last_email(db, to):
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
    ).first()


def test_forgot_password_link_ignores_the_host_header(client, db, make_user):
    user = make_user(email="known@example.org")
    response = hostile_post(client, "/forgot-password", {"email": "known@example.org"})
    assert response.status_code == 200
    message = last_email(db, user.email)
    assert message.subject == "Reset your password"
    assert_public(message.body_text, ["/reset-password/"])


def test_registration_emails_ignore_the_host_header(client, db, make_user, make_agency):
    agency = make_agency("Hampshire Constabulary", "Police")
    owner = make_user(email="taken@example.org")
    form = {
        "name": "Rowan Officer",
        "agency_id": str(agency.id),
        "job_role": "Police constable",
        "external_level_completed": "",
        "password": "harbour-violet-kettle",
    }
    hostile_post(client, "/register", {**form, "email": "new@example.org"})
    confirm = last_email(db, "new@example.org")
    assert confirm.subject == "Confirm your email address"
    assert_public(confirm.body_text, ["/confirm-email/"])

    hostile_post(client, "/register", {**form, "email": "TAKEN@example.org"})
    exists = last_email(db, owner.email)
    assert exists.subject == "You already have an account"
    assert_public(exists.body_text, ["/sign-in", "/forgot-password"])


def test_resent_confirmation_ignores_the_host_header(client, db, make_user):
    user = make_user(email="unconfirmed@example.org", email_confirmed_at=None)
    page = hostile_post(client, "/sign-in", {"email": user.email, "password": PASSWORD}).get_data(as_text=True)
    assert "You need to confirm your email address" in page
    message = last_email(db, user.email)
    assert message.subject == "Confirm your email address"
    assert_public(message.body_text, ["/confirm-email/"])


def test_booking_email_and_its_calendar_ignore_the_host_header(client, db, app, make_user, make_session):
    course_session = make_session(online_platform="Microsoft Teams", join_url="https://teams.microsoft.com/l/x")
    user = make_user(email="delegate@example.org")
    hostile_sign_in(client, user)
    response = hostile_post(client, f"/sessions/{course_session.id}", {}, url=f"/sessions/{course_session.id}/book")
    assert response.status_code == 302, response.get_data(as_text=True)
    message = last_email(db, user.email)
    assert message.subject.startswith("Booking confirmed")
    assert_public(message.body_text, [f"/sessions/{course_session.id}"])
    [attachment] = message.attachments
    # The calendar is made when the mail is sent; a request in progress must not steer it either.
    with app.test_request_context("/", base_url=HOSTILE):
        _content_type, ics = attachment_part(attachment)
    assert f"URL:{PUBLIC}/sessions/{course_session.id}" in ics
    assert "evil.example" not in ics


def test_calendar_downloads_and_feeds_ignore_the_host_header(client, db, make_user, make_session):
    course_session = make_session()
    user = make_user(email="feeds@example.org", role="trainer")
    course_session.trainers.append(user)
    db.session.commit()
    token = user.calendar_token
    for path in (
        f"/sessions/{course_session.id}/calendar.ics",
        "/calendar/public.ics",
        f"/calendar/{token}/teaching.ics",
    ):
        body = client.get(path, base_url=HOSTILE).get_data(as_text=True)
        assert f"URL:{PUBLIC}/sessions/{course_session.id}" in body, path
        assert "evil.example" not in body, path
    empty = client.get(f"/calendar/{token}/bookings.ics", base_url=HOSTILE).get_data(as_text=True)
    assert "BEGIN:VCALENDAR" in empty and "evil.example" not in empty

    # The feed addresses the account page offers to copy.
    hostile_sign_in(client, user)
    page = client.get("/account", base_url=HOSTILE).get_data(as_text=True)
    assert f"{PUBLIC}/calendar/{token}/bookings.ics" in page
    assert f"{PUBLIC}/calendar/{token}/teaching.ics" in page
    assert "evil.example" not in page


def test_external_url_keeps_a_path_prefix(app, monkeypatch):
    from training_app.web import external_url

    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://council.example/training/")
    with app.test_request_context("/", base_url=HOSTILE):
        assert external_url("auth.sign_in") == "https://council.example/training/sign-in"


def test_no_absolute_links_are_built_from_the_request():
    """Every absolute link goes through web.external_url; url_for(..., _external=True) would use the Host."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("training_app", "templates")
        for path in sorted((ROOT / folder).rglob("*"))
        if path.suffix in (".py", ".html", ".txt") and path.name != "web.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\b_external\s*=", line)  # the keyword argument, not names like add_external
    ]
    assert offenders == []


# Production: Host must be PUBLIC_BASE_URL's host ---------------------------------------------


@pytest.fixture
def production_app(database_uri, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", database_uri)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    return create_app("production", {"SQLALCHEMY_DATABASE_URI": database_uri, "PUBLIC_BASE_URL": PUBLIC})


def test_production_trusts_only_the_public_host(production_app, db):
    assert production_app.config["TRUSTED_HOSTS"] == ["training.hips.test"]
    client = production_app.test_client()
    assert client.get("/help/accessibility", base_url=PUBLIC).status_code == 200
    for base in (HOSTILE, "http://localhost"):
        response = client.get("/help/accessibility", base_url=base)
        assert response.status_code == 400, base
    hostile = client.post("/forgot-password", data={"email": "x@example.org"}, base_url=HOSTILE)
    assert hostile.status_code == 400
    assert db.session.scalars(select(OutboxMessage)).first() is None


def test_production_trusts_extra_hosts_when_listed(database_uri, monkeypatch):
    from config import ProductionConfig

    assert ProductionConfig.trusted_hosts(PUBLIC + "/training", ["10.0.0.5"]) == ["training.hips.test", "10.0.0.5"]
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must look like"):
        ProductionConfig.trusted_hosts("training.hips.test", [])


def test_production_refuses_to_start_without_public_base_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/training")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production")
    assert User  # the models stay importable without an app
