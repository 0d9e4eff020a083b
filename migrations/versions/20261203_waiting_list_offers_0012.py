"""Waiting-list offers that expire, and one place per course.

A freed place is now offered to the first person waiting for a limited time: bookings gain the
status 'offered' (the status check constraint is widened) and offer_expires_at (indexed, for
`flask expire-offers`). Courses gain allow_repeat_bookings (false: a person holds one upcoming
place per course unless the course allows repeats). The values are written out here rather than
read from the enum, so this revision keeps meaning what it meant when it was written.

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

BEFORE = ("confirmed", "waitlisted", "cancelled", "attended", "no_show")
AFTER = ("confirmed", "waitlisted", "offered", "cancelled", "attended", "no_show")


# Reflecting the bookings table would otherwise reflect users too, whose expression index SQLite
# cannot reflect (a warning, which the tests treat as an error); the copy needs only bookings itself.
NO_REFERRED = {"resolve_fks": False}


def status_check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_status_check(values: tuple[str, ...]) -> None:
    # On SQLite batch mode copies the table; the partial unique indexes are put back by the copy
    # (tests/test_migrations.py compares the result with the models on both databases).
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), sa.text(status_check(values)))


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allow_repeat_bookings", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.add_column(sa.Column("offer_expires_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_bookings_offer_expires_at",
            ["offer_expires_at"],
            unique=False,
            sqlite_where=sa.text("status = 'offered'"),
            postgresql_where=sa.text("status = 'offered'"),
        )
    _replace_status_check(AFTER)


def downgrade():
    # An offer still open goes back to the waiting list it came from, as before offers existed.
    op.execute("UPDATE bookings SET status = 'waitlisted' WHERE status = 'offered'")
    _replace_status_check(BEFORE)
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_index("ix_bookings_offer_expires_at")
        batch_op.drop_column("offer_expires_at")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("allow_repeat_bookings")
