"""Test fixtures.

The schema is built by running the Alembic migrations (never create_all), once per run, on
SQLite by default or on PostgreSQL when TEST_DATABASE_URL is set; a PostgreSQL run gets a
database of its own, dropped at the end. Tables are emptied after each test.
"""

import os
import socket
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from config import database_url
from support import (  # noqa: F401  (re-exported for tests)
    CSRF_RE,
    PASSWORD,
    FreshUserClient,
    SmtpCollector,
    csrf_from,
    fresh_postgres_database,
    session_csrf_token,
    venue_named,
)
from training_app import clock, create_app
from training_app.calendar.body_cache import forget_local_bodies
from training_app.extensions import db as _db
from training_app.models import Agency, Course, CourseSession, Partnership, User


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory):
    """SQLite in a temporary folder, or a new PostgreSQL database for this run (see
    support.fresh_postgres_database: the database TEST_DATABASE_URL names need not exist)."""
    server_url = database_url(os.environ.get("TEST_DATABASE_URL"))
    if not server_url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    with fresh_postgres_database(server_url) as url:
        yield url


@pytest.fixture(scope="session")
def smtp_port():
    return free_port()


@pytest.fixture(scope="session")
def app(database_uri, smtp_port, tmp_path_factory):
    from flask_migrate import upgrade

    application = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_port,
            "SERVER_NAME": "localhost",
            # Links in emails and calendars are built from this, never from the request's Host.
            "PUBLIC_BASE_URL": "http://localhost",
            "UPLOAD_FOLDER": str(tmp_path_factory.mktemp("uploads")),
        },
    )
    with application.app_context():
        upgrade()
    yield application
    # Close the pooled connections before the database is dropped (or the run ends), rather than
    # leaving them for the garbage collector to find open.
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database, emptied after the test; the test runs inside an app context."""
    with app.app_context():
        yield _db
        _db.session.remove()
        tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
    forget_local_bodies(app)
    clock.freeze(None)


@pytest.fixture
def client(app, db):
    app.test_client_class = FreshUserClient
    return app.test_client()


@pytest.fixture
def frozen_clock():
    """Freeze the clock at a known moment; returns a setter."""

    def set_time(moment):
        clock.freeze(moment)
        return moment

    yield set_time
    clock.freeze(None)


@pytest.fixture
def partnerships(db):
    rows = {}
    for code, name in [
        ("HSCP", "Hampshire Safeguarding Children Partnership"),
        ("IOWSCP", "Isle of Wight Safeguarding Children Partnership"),
        ("PSCP", "Portsmouth Safeguarding Children Partnership"),
        ("SSCP", "Southampton Safeguarding Children Partnership"),
    ]:
        rows[code] = Partnership(code=code, name=name)
        db.session.add(rows[code])
    db.session.flush()
    return rows


@pytest.fixture
def make_agency(db):
    counter = iter(range(1, 10**6))

    def make(name=None, sector="Health", partnership=None):
        agency = Agency(name=name or f"Agency {next(counter)}", sector=sector, partnership=partnership)
        db.session.add(agency)
        db.session.flush()
        return agency

    return make


@pytest.fixture
def make_user(db, partnerships, make_agency):
    counter = iter(range(1, 10**6))
    default_agency = []

    def make(role="practitioner", partnership=None, email=None, name=None, agency=None, level=None, **extra):
        n = next(counter)
        if agency is None:
            if not default_agency:
                default_agency.append(make_agency("Solent NHS Trust", "Health", partnerships["SSCP"]))
            agency = default_agency[0]
        user = User(
            name=name or f"Person {n}",
            email=email or f"person{n}@example.org",
            role=role,
            partnership=partnerships[partnership] if partnership else None,
            agency=agency,
            job_role="Health visitor",
            external_level_completed=level,
            email_confirmed_at=extra.pop("email_confirmed_at", clock.now()),
            **extra,
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_course(db, partnerships):
    counter = iter(range(1, 10**6))

    def make(
        title=None,
        owner="HSCP",
        format="face_to_face",
        level=3,
        level_kind="core",
        status="published",
        commit=True,
        **extra,
    ):
        n = next(counter)
        title = title or f"Safeguarding course {n}"
        course = Course(
            slug=extra.pop("slug", None) or f"course-{n}",
            title=title,
            summary=extra.pop("summary", f"A course about {title.lower()}."),
            learning_outcomes=extra.pop("learning_outcomes", ["Recognise abuse", "Respond well"]),
            level=level if level_kind else None,
            level_kind=level_kind,
            format=format,
            owner_partnership=partnerships[owner],
            status=status,
            **extra,
        )
        _db.session.add(course)
        if commit:
            _db.session.commit()
        return course

    return make


@pytest.fixture
def make_session(db, make_course):
    def make(course=None, starts_in=timedelta(days=14), hours=2, capacity=20, trainers=(), **extra):
        course = course or make_course()
        start = clock.now().replace(second=0, microsecond=0) + starts_in
        course_session = CourseSession(
            course=course,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            capacity=capacity,
            venue=venue_named(extra.pop("venue", "Civic Centre, Southampton")),
            **extra,
        )
        course_session.trainers.extend(trainers)
        _db.session.add(course_session)
        _db.session.commit()
        return course_session

    return make


@pytest.fixture
def login(client):
    """Sign `user` in on the test client (as the sign-in page would). Works after earlier requests
    in the same test: the tests share one app context, so Flask-Login's cached user is forgotten."""
    from flask import g

    def sign_in(user):
        g.pop("_login_user", None)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return sign_in


# --- one user per role, for tests that need "an admin of HSCP" and so on -------------------------


@pytest.fixture
def practitioner(make_user):
    return make_user("practitioner", name="Priya Practitioner")


@pytest.fixture
def trainer(make_user):
    return make_user("trainer", name="Tariq Trainer")


@pytest.fixture
def hscp_admin(make_user):
    return make_user("partnership_admin", partnership="HSCP", name="Hana HSCP")


@pytest.fixture
def iow_admin(make_user):
    return make_user("partnership_admin", partnership="IOWSCP", name="Ivo IOW")


@pytest.fixture
def system_admin(make_user):
    return make_user("system_admin", name="Sam System")


@pytest.fixture
def post_form(client):
    """GET `page` for its CSRF token (as a browser would), then POST `data` to `url` (default: the same page).
    Pages that no longer show a form (e.g. after booking) fall back to the session's token."""

    def post(page, data, url=None, follow_redirects=False):
        html = client.get(page).get_data(as_text=True)
        token = csrf_from(html) if CSRF_RE.search(html) else session_csrf_token(client)
        return client.post(url or page, data={**data, "csrf_token": token}, follow_redirects=follow_redirects)

    return post


@pytest.fixture
def smtp_server(smtp_port):
    """A real SMTP server on the port the app sends to; `.messages` collects what arrives."""
    from aiosmtpd.controller import Controller

    handler = SmtpCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


def utc(*args):
    return datetime(*args)
