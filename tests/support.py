"""Helpers shared by the tests (imported as `support`; `conftest` is ambiguous with tests/browser/)."""

import os
import re
import uuid
from contextlib import contextmanager

from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

PASSWORD = "correct-horse-battery"

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html):
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def session_csrf_token(client):
    """A valid CSRF token for the client's session, made as Flask-WTF makes it (for pages without a form)."""
    import hashlib

    from itsdangerous import URLSafeTimedSerializer

    with client.session_transaction() as session:
        if "csrf_token" not in session:
            session["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()
        raw = session["csrf_token"]
    return URLSafeTimedSerializer(client.application.secret_key, salt="wtf-csrf-token").dumps(raw)


class SmtpCollector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


class FreshUserClient(FlaskClient):
    """Test requests run inside the test's app context, so `g` outlives a request; forget the
    signed-in user before each request, as a real server (one app context per request) would."""

    def open(self, *args, **kwargs):
        from flask import g

        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@contextmanager
def fresh_postgres_database(server_url):
    """A new, empty PostgreSQL database; yields its URL and drops it afterwards.

    `server_url` names a server and a user allowed to create databases. The database it names need
    not exist: its name only starts the new one's. The new database is created and dropped from
    the server's maintenance database, `postgres`, so a fresh server works.
    """
    import psycopg

    base = make_url(server_url)
    name = f"{(base.database or 'training')[:30]}_run_{uuid.uuid4().hex[:10]}"
    maintenance_dsn = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(maintenance_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(maintenance_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def venue_named(value):
    """A session's venue from what a test gives: None, a Venue, or its text (a Venue of that name and
    address, made once per name in the test's database, as migration 0009 makes from old venue text)."""
    if value is None or not isinstance(value, str):
        return value
    from sqlalchemy import select

    from training_app.extensions import db
    from training_app.models import Venue

    venue = db.session.scalars(select(Venue).where(Venue.name == value)).first()
    if venue is None:
        venue = Venue(name=value, address=value)
        db.session.add(venue)
    return venue
