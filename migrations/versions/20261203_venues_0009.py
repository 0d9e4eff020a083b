"""Venues are records: name, address, postcode, map link, access and parking notes, room size.

Creates `venues`, gives each session a `venue_id`, and moves the free-text `course_sessions.venue`
into venue rows: one per distinct text (trimmed), the text as name and address, no postcode and an
unknown room size, managed by the partnership whose courses used it most (ties: the lowest id).
Then the text column goes. The downgrade puts the text back from the venue's full address.

SQLite: adding and dropping the columns use SQLite's own ALTER TABLE (3.35+), never a table copy:
with foreign keys on (they are, in the migration's transaction) dropping the copied table would
delete the session's trainers (ON DELETE CASCADE) and trip over its bookings.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03 12:40:00

"""

from collections import Counter
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

sessions = sa.table(
    "course_sessions",
    sa.column("id", sa.Integer),
    sa.column("course_id", sa.Integer),
    sa.column("venue", sa.String),
    sa.column("venue_id", sa.Integer),
)
courses = sa.table("courses", sa.column("id", sa.Integer), sa.column("owner_partnership_id", sa.Integer))
venues = sa.table(
    "venues",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("address", sa.Text),
    sa.column("postcode", sa.String),
    sa.column("accessibility_notes", sa.Text),
    sa.column("parking_notes", sa.Text),
    sa.column("partnership_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def move_venue_text(conn, moment):
    """One venue per distinct venue text; every session that named it points at it. Returns the
    number of venues made."""
    rows = conn.execute(
        sa.select(sessions.c.id, sessions.c.venue, courses.c.owner_partnership_id)
        .join(courses, courses.c.id == sessions.c.course_id)
        .where(sessions.c.venue.is_not(None))
        .order_by(sessions.c.id)
    ).all()
    by_text = {}
    for session_id, text, partnership_id in rows:
        text = text.strip()
        if text:
            by_text.setdefault(text, []).append((session_id, partnership_id))
    for text in sorted(by_text):
        uses = by_text[text]
        counts = Counter(partnership_id for _, partnership_id in uses)
        manager = min(counts, key=lambda p: (-counts[p], p))
        name = text if len(text) <= 200 else text[:199] + "…"
        venue_id = conn.execute(
            venues.insert()
            .values(
                name=name,
                address=text,
                postcode=None,
                accessibility_notes="",
                parking_notes="",
                partnership_id=manager,
                created_at=moment,
                updated_at=moment,
            )
            .returning(venues.c.id)
        ).scalar_one()
        conn.execute(
            sessions.update().where(sessions.c.id.in_([sid for sid, _ in uses])).values(venue_id=venue_id)
        )
    return len(by_text)


def restore_venue_text(conn):
    """The downgrade's data move: each session's venue as one line of text (at most 300 characters)."""
    full = sa.table(
        "venues",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("address", sa.Text),
        sa.column("postcode", sa.String),
    )
    for venue_id, name, address, postcode in conn.execute(sa.select(full)).all():
        lines = [name]
        if (address or "").strip() != name.strip():
            lines += [line.strip() for line in address.splitlines() if line.strip() and line.strip() != name]
        if postcode:
            lines.append(postcode)
        conn.execute(sessions.update().where(sessions.c.venue_id == venue_id).values(venue=", ".join(lines)[:300]))


def upgrade():
    op.create_table(
        "venues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("map_url", sa.String(length=500), nullable=True),
        sa.Column("accessibility_notes", sa.Text(), nullable=False),
        sa.Column("parking_notes", sa.Text(), nullable=False),
        sa.Column("room_capacity", sa.Integer(), nullable=True),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("retired_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "room_capacity IS NULL OR room_capacity >= 1", name=op.f("ck_venues_room_capacity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_venues_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venues")),
    )
    if _sqlite():
        op.execute(
            "ALTER TABLE course_sessions ADD COLUMN venue_id INTEGER "
            "CONSTRAINT fk_course_sessions_venue_id_venues REFERENCES venues (id)"
        )
    else:
        op.add_column("course_sessions", sa.Column("venue_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_course_sessions_venue_id_venues"), "course_sessions", "venues", ["venue_id"], ["id"]
        )
    op.create_index(op.f("ix_course_sessions_venue_id"), "course_sessions", ["venue_id"], unique=False)
    move_venue_text(op.get_bind(), datetime.now(UTC).replace(tzinfo=None))
    if _sqlite():
        op.execute("ALTER TABLE course_sessions DROP COLUMN venue")
    else:
        op.drop_column("course_sessions", "venue")


def downgrade():
    op.add_column("course_sessions", sa.Column("venue", sa.String(length=300), nullable=True))
    restore_venue_text(op.get_bind())
    op.drop_index(op.f("ix_course_sessions_venue_id"), table_name="course_sessions")
    if _sqlite():
        op.execute("ALTER TABLE course_sessions DROP COLUMN venue_id")
    else:
        op.drop_constraint(op.f("fk_course_sessions_venue_id_venues"), "course_sessions", type_="foreignkey")
        op.drop_column("course_sessions", "venue_id")
    op.drop_table("venues")
