"""Migration 0009 moves the free-text session venues into venue rows, and its downgrade puts the text
back: known answers, on a database of its own (SQLite, or PostgreSQL when TEST_DATABASE_URL is set)."""

import os
import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from config import database_url
from training_app import create_app
from training_app.extensions import db as _db

MOMENT = datetime(2026, 11, 1, 9, 0)


@pytest.fixture
def scratch(tmp_path):
    """An app on an empty database of its own, so migrating it up and down disturbs no other test."""
    server_url = database_url(os.environ.get("TEST_DATABASE_URL"))
    if not server_url:
        yield create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'scratch.db'}"})
        return
    import psycopg

    base = make_url(server_url)
    name = f"venue_migration_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield create_app("testing", {"SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(False)})
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def insert(conn, table, **values):
    columns = (sa.column(k, sa.JSON) if isinstance(v, list) else sa.column(k) for k, v in values.items())
    return conn.execute(sa.table(table, *columns).insert().values(**values))


def old_schedule(conn):
    """At 0006: HSCP and PSCP courses whose sessions name their venues as text (one with stray spaces,
    one used by both partnerships, one online), a trainer on a session and a booking."""
    for pid, code in ((1, "HSCP"), (2, "PSCP")):
        insert(conn, "partnerships", id=pid, code=code, name=f"{code} partnership")
    for cid, owner in ((1, 1), (2, 2)):
        insert(
            conn,
            "courses",
            id=cid,
            slug=f"course-{cid}",
            title=f"Course {cid}",
            summary="",
            learning_outcomes=[],
            format="face_to_face",
            owner_partnership_id=owner,
            is_hips=False,
            status="published",
            created_at=MOMENT,
            updated_at=MOMENT,
        )
    sessions = [
        (1, 1, "Castle Hill, Winchester"),
        (2, 1, "  Castle Hill, Winchester "),
        (3, 2, "Castle Hill, Winchester"),  # also used by PSCP, once: HSCP used it more
        (4, 2, "Civic Offices, Portsmouth"),
        (5, 1, "Civic Offices, Portsmouth"),  # one each: the lower partnership id manages it
        (6, 1, None),
        (7, 2, "   "),
    ]
    for sid, cid, venue in sessions:
        insert(
            conn,
            "course_sessions",
            id=sid,
            course_id=cid,
            starts_at=datetime(2027, 1, sid, 9, 30),
            ends_at=datetime(2027, 1, sid, 12, 30),
            venue=venue,
            online_platform="Zoom" if venue is None else None,
            capacity=20,
            status="scheduled",
            sequence=0,
            created_at=MOMENT,
            updated_at=MOMENT,
        )
    insert(
        conn,
        "users",
        id=1,
        name="Tariq Trainer",
        email="tariq@example.org",
        password_hash="x",
        role="trainer",
        calendar_token="token-1",
        session_version=1,
        created_at=MOMENT,
        calendar_changed_at=MOMENT,
    )
    insert(conn, "session_trainers", session_id=1, user_id=1)
    insert(
        conn,
        "bookings",
        id=1,
        session_id=1,
        user_id=1,
        status="confirmed",
        requested_at=MOMENT,
        late_cancellation=False,
    )


def test_upgrade_moves_venue_text_into_venues_and_downgrade_puts_it_back(scratch):
    from flask_migrate import downgrade, upgrade

    with scratch.app_context():
        upgrade(revision="0006")
        with _db.engine.begin() as conn:
            old_schedule(conn)
        upgrade(revision="0009")
        with _db.engine.connect() as conn:
            venues = conn.execute(
                sa.text(
                    "SELECT id, name, address, postcode, room_capacity, partnership_id, accessibility_notes,"
                    " parking_notes, retired_at FROM venues ORDER BY name"
                )
            ).all()
            links = dict(conn.execute(sa.text("SELECT id, venue_id FROM course_sessions ORDER BY id")).all())
            trainers = conn.execute(sa.text("SELECT session_id, user_id FROM session_trainers")).all()
            bookings = conn.execute(sa.text("SELECT id, session_id FROM bookings")).all()
            columns = {c["name"] for c in sa.inspect(conn).get_columns("course_sessions")}
        castle, civic = venues
        assert tuple(castle)[1:] == ("Castle Hill, Winchester", "Castle Hill, Winchester", None, None, 1, "", "", None)
        assert tuple(civic)[1:] == (
            "Civic Offices, Portsmouth",
            "Civic Offices, Portsmouth",
            None,
            None,
            1,
            "",
            "",
            None,
        )
        assert links == {1: castle.id, 2: castle.id, 3: castle.id, 4: civic.id, 5: civic.id, 6: None, 7: None}
        assert "venue" not in columns and "venue_id" in columns
        # The table was altered in place, not copied: the session's trainer and booking are still there.
        assert [tuple(t) for t in trainers] == [(1, 1)] and [tuple(b) for b in bookings] == [(1, 1)]

        with _db.engine.begin() as conn:  # a venue added since, with a full address
            conn.execute(
                sa.text(
                    "UPDATE venues SET address = 'The Castle' || :nl || 'Winchester', postcode = 'SO23 8UJ',"
                    " name = 'Castle Hill Training Suite' WHERE id = :id"
                ),
                {"nl": "\n", "id": castle.id},
            )
        downgrade(revision="0006")
        with _db.engine.connect() as conn:
            texts = dict(conn.execute(sa.text("SELECT id, venue FROM course_sessions ORDER BY id")).all())
            tables = sa.inspect(conn).get_table_names()
            trainers = conn.execute(sa.text("SELECT session_id, user_id FROM session_trainers")).all()
        full = "Castle Hill Training Suite, The Castle, Winchester, SO23 8UJ"
        assert texts == {
            1: full,
            2: full,
            3: full,
            4: "Civic Offices, Portsmouth",
            5: "Civic Offices, Portsmouth",
            6: None,
            7: None,
        }
        assert "venues" not in tables and [tuple(t) for t in trainers] == [(1, 1)]
        upgrade(revision="0009")  # and up again
        _db.engine.dispose()
