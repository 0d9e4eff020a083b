"""A lock wait that times out is "busy, please try again" (503 with Retry-After), not a 500, and nothing is saved.

PostgreSQL bounds the wait for a session's row lock per transaction (SET LOCAL lock_timeout, from
LOCK_TIMEOUT_MS); SQLite gives up on its write lock after the connection's busy timeout.
"""

import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from training_app import create_app
from training_app.bookings.services import lock_session
from training_app.errors import is_busy
from training_app.extensions import db as _db
from training_app.models import Booking, OutboxMessage


def on_postgresql(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def libpq_dsn(app):
    return (
        make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def saved(db):
    db.session.rollback()
    return (db.session.scalar(select(func.count(Booking.id))), db.session.scalar(select(func.count(OutboxMessage.id))))


def test_booking_while_the_session_row_is_locked_elsewhere_is_busy(
    app, db, make_user, make_session, login, post_form, monkeypatch
):
    if not on_postgresql(app):
        pytest.skip("row locks are PostgreSQL's; see the SQLite test below")
    import psycopg

    course_session = make_session()
    login(make_user())
    monkeypatch.setitem(app.config, "LOCK_TIMEOUT_MS", 200)
    page = f"/sessions/{course_session.id}"
    with psycopg.connect(libpq_dsn(app)) as holder:  # an open transaction holding the session's row lock
        holder.execute("SELECT id FROM course_sessions WHERE id = %s FOR UPDATE", (course_session.id,))
        response = post_form(page, {}, url=f"{page}/book")
        holder.rollback()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "Sorry, the service is busy" in response.get_data(as_text=True)
    assert saved(db) == (0, 0)
    # Once the lock is free the same booking goes through.
    assert post_form(page, {}, url=f"{page}/book").status_code == 302
    assert saved(db) == (1, 1)


def test_the_lock_timeout_lasts_one_transaction(app, db, make_session, monkeypatch):
    if not on_postgresql(app):
        pytest.skip("lock_timeout is PostgreSQL's")
    course_session = make_session()
    monkeypatch.setitem(app.config, "LOCK_TIMEOUT_MS", 200)
    lock_session(course_session.id)
    connection = db.session.connection().connection.dbapi_connection
    assert db.session.scalar(text("SHOW lock_timeout")) == "200ms"
    db.session.commit()
    # The same connection, back in the pool: the setting ended with the transaction (SET LOCAL).
    assert connection.execute("SHOW lock_timeout").fetchone()[0] == "0"
    connection.rollback()


def test_sqlite_write_lock_held_elsewhere_is_busy(app, db, make_user, make_session):
    if on_postgresql(app):
        pytest.skip("SQLite's write lock")
    session_id, user_id = make_session().id, make_user().get_id()
    db.session.rollback()  # the test's own transaction would hold the write lock
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # An app of its own whose connections wait only 0.2 s for SQLite's write lock.
    impatient = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": uri,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 0.2}},
            "SERVER_NAME": "localhost",
        },
    )
    client = impatient.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    holder = sqlite3.connect(make_url(uri).database, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response = client.post(f"/sessions/{session_id}/book", data={})
        holder.execute("ROLLBACK")
    finally:
        holder.close()
        with impatient.app_context():
            _db.engine.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert saved(db) == (0, 0)


def test_only_lock_waits_count_as_busy():
    class PgError(Exception):
        sqlstate = "55P03"

    def operational(orig):
        return OperationalError("SELECT 1", {}, orig)

    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # SQLITE_BUSY, as the driver sets it
    assert is_busy(operational(PgError()))
    assert is_busy(operational(locked))
    assert not is_busy(operational(sqlite3.OperationalError("no such table: bookings")))
    other = PgError()
    other.sqlstate = "57P01"  # the server shut down: a real failure, not busy
    assert not is_busy(operational(other))
