"""The first day of a real installation, as the README's "Running in production" walks it.

On a database nobody has touched (a new PostgreSQL database when TEST_DATABASE_URL is set, else a
new SQLite file), with APP_ENV=production: migrate, create the first administrator, load the
reference data (a dry run first), then through the web pages the administrator sets a password and
schedules a session, and a practitioner registers, confirms their address and books it; a second person
registers with an organisation that is not in the list, and the administrator approves it.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from config import database_url
from support import csrf_from, fresh_postgres_database
from training_app import clock, create_app
from training_app.extensions import db
from training_app.models import (
    Agency,
    Booking,
    Course,
    CourseSession,
    OrganisationStatus,
    OutboxMessage,
    Partnership,
    User,
    Venue,
)
from training_app.security import limiter

PUBLIC = "https://training.hips.test"
REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference-example.json"


@pytest.fixture
def fresh_database(tmp_path):
    server_url = database_url(os.environ.get("TEST_DATABASE_URL"))
    if not server_url:
        yield "sqlite:///" + str(tmp_path / "production.db")
        return
    with fresh_postgres_database(server_url) as url:
        yield url


@pytest.fixture
def production_app(fresh_database, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123456789")
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.setenv("PUBLIC_BASE_URL", PUBLIC)
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)  # put back whatever init_app sets
    app = create_app(
        "production",
        {"SQLALCHEMY_DATABASE_URI": fresh_database, "PUBLIC_BASE_URL": PUBLIC, "RATELIMIT_ENABLED": False},
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def flask(app, *args):
    """`flask --app wsgi ARGS...` against the production app; fails the test if the command fails."""
    result = app.test_cli_runner().invoke(args=[str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return result.output


def submit(client, page, data, url=None):
    """Fill in the form on `page` (its CSRF token) and send it, as a browser on PUBLIC would."""
    token = csrf_from(client.get(page, base_url=PUBLIC).get_data(as_text=True))
    # Over https, Flask-WTF also wants the Referer to be this site, as a browser sends it.
    headers = {"Referer": PUBLIC + page}
    return client.post(url or page, data={**data, "csrf_token": token}, base_url=PUBLIC, headers=headers)


def emailed_path(app, to, subject):
    """The path of the first link on PUBLIC in the latest email to `to`, which must have `subject` (other
    links may only be the venue's map)."""
    with app.app_context():
        message = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id.desc())
        ).first()
        assert message.subject.startswith(subject), message.subject
        links = re.findall(r"https?://\S+", message.body_text)
    ours = [link for link in links if link.startswith(PUBLIC + "/")]
    assert ours and all(link in ours or link.startswith("https://www.openstreetmap.org/") for link in links), links
    return ours[0].removeprefix(PUBLIC)


def one(app, statement):
    with app.app_context():
        return db.session.scalars(statement).one()


def test_first_day_migrate_admin_reference_register_confirm_book(production_app):
    app = production_app

    # 1. The schema, from the migrations.
    flask(app, "db", "upgrade")

    # 2. The first administrator, with a one-time link to choose a password.
    output = flask(app, "create-admin", "ada.admin@council.example", "--name", "Ada Admin")
    [link] = re.findall(rf"{re.escape(PUBLIC)}/reset-password/\S+", output)

    # 3. Reference data: a dry run changes nothing, then the load, then a second load changes nothing.
    dry = flask(app, "load-reference", "--dry-run", REFERENCE)
    assert "Dry run: 10 would be created, 0 updated. Nothing was saved." in dry
    with app.app_context():
        assert db.session.scalars(select(Partnership)).first() is None
    assert flask(app, "load-reference", REFERENCE).strip().endswith("10 created, 0 updated.")
    assert flask(app, "load-reference", REFERENCE).strip().endswith("0 created, 0 updated.")

    # seed-demo would add accounts with published passwords: refused.
    refused = app.test_cli_runner().invoke(args=["seed-demo"])
    assert refused.exit_code == 1 and "APP_ENV=production" in refused.output

    # 4. The administrator sets a password, signs in and schedules a session.
    client = app.test_client()
    password = "granite-meadow-lantern"
    path = link.removeprefix(PUBLIC)
    assert submit(client, path, {"password": password, "confirm": password}).status_code == 302
    signed_in = submit(client, "/sign-in", {"email": "ada.admin@council.example", "password": password})
    assert signed_in.status_code == 302
    course = one(app, select(Course).where(Course.title == "Working Together to Safeguard Children"))
    day = clock.to_london(clock.now()).date() + timedelta(days=30)
    # A fresh install has no venues: the admin records the room first.
    venue_added = submit(
        client,
        "/admin/venues/new",
        {
            "name": "County Hall",
            "address": "County Hall\nHigh Street\nNewport",
            "postcode": "po30 1ud",
            "map_url": "",
            "room_capacity": "30",
            "accessibility_notes": "Step-free entrance and a hearing loop.",
            "parking_notes": "",
            "partnership_id": "",
        },
    )
    assert venue_added.status_code == 302, venue_added.get_data(as_text=True)
    venue = one(app, select(Venue).where(Venue.name == "County Hall"))
    assert venue.postcode == "PO30 1UD"
    scheduled = submit(
        client,
        f"/admin/courses/{course.id}/sessions/new",
        {
            "date": [str(day.day), str(day.month), str(day.year)],
            "start_time": "09:30",
            "end_time": "16:00",
            "location_kind": "venue",
            "venue_id": str(venue.id),
            "online_platform": "",
            "join_url": "",
            "capacity": "20",
            "opens_date": ["", "", ""],
            "opens_time": "",
            "closes_date": ["", "", ""],
            "closes_time": "",
        },
    )
    assert scheduled.status_code == 302, scheduled.get_data(as_text=True)
    course_session = one(app, select(CourseSession))
    client.get("/sign-out", base_url=PUBLIC)

    # 5. A practitioner registers with a loaded organisation, confirms by the emailed link and books.
    agency = one(app, select(Agency).where(Agency.name == "Hampshire Constabulary"))
    registered = submit(
        client,
        "/register",
        {
            "name": "Rowan Officer",
            "agency_id": str(agency.id),
            "job_role": "Police constable",
            "external_level_completed": "2",
            "email": "rowan.officer@police.example",
            "password": "harbour-violet-kettle",
        },
    )
    assert "Check your email" in registered.get_data(as_text=True)
    confirm = emailed_path(app, "rowan.officer@police.example", "Confirm your email address")
    confirmed = client.get(confirm, base_url=PUBLIC, follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)
    booked = submit(client, f"/sessions/{course_session.id}", {}, url=f"/sessions/{course_session.id}/book")
    assert booked.status_code == 302
    booking = one(app, select(Booking))
    person = one(app, select(User).where(User.email == "rowan.officer@police.example"))
    assert (booking.user_id, booking.session_id, booking.status) == (person.id, course_session.id, "confirmed")
    assert emailed_path(app, person.email, "Booking confirmed") == f"/sessions/{course_session.id}"

    client.get("/sign-out", base_url=PUBLIC)

    # 6. A childminder whose organisation is not in the list names it; their account works at once and
    # the organisation waits for the administrator, who approves it (and so offers it to everyone).
    iow = one(app, select(Partnership).where(Partnership.code == "IOWSCP"))
    registered = submit(
        client,
        "/register",
        {
            "name": "Sam Minder",
            "agency_id": "not_listed",
            "new_organisation_name": "Ryde Little Acorns Childminding",
            "new_organisation_sector": "Voluntary and community",
            "new_organisation_partnership_id": str(iow.id),
            "job_role": "Childminder",
            "external_level_completed": "",
            "email": "sam.minder@acorns.example",
            "password": "willow-copper-lantern",
        },
    )
    assert "Check your email" in registered.get_data(as_text=True)
    confirm = emailed_path(app, "sam.minder@acorns.example", "Confirm your email address")
    account = client.get(confirm, base_url=PUBLIC, follow_redirects=True).get_data(as_text=True)
    assert "Your email address is confirmed" in account
    acorns = one(app, select(Agency).where(Agency.name == "Ryde Little Acorns Childminding"))
    assert (acorns.status, acorns.partnership_id) == (OrganisationStatus.PENDING, iow.id)
    assert "Ryde Little Acorns Childminding (awaiting approval)" in client.get("/account", base_url=PUBLIC).get_data(
        as_text=True
    )
    client.get("/sign-out", base_url=PUBLIC)
    assert submit(client, "/sign-in", {"email": "ada.admin@council.example", "password": password}).status_code == 302
    assert "Waiting for approval (1)" in client.get("/admin/organisations", base_url=PUBLIC).get_data(as_text=True)
    approved = submit(
        client,
        f"/admin/organisations/{acorns.id}/approve",
        {"name": "Ryde Little Acorns Childminding", "sector": "Voluntary and community", "partnership_id": str(iow.id)},
    )
    assert approved.status_code == 302, approved.get_data(as_text=True)
    acorns = one(app, select(Agency).where(Agency.name == "Ryde Little Acorns Childminding"))
    assert acorns.status == OrganisationStatus.APPROVED
    assert "Waiting for approval (0)" in client.get("/admin/organisations", base_url=PUBLIC).get_data(as_text=True)

    # Only the public address is answered.
    assert client.get("/", base_url="http://evil.example").status_code == 400
