"""Line managers and manager approval of bookings.

People gain their line manager's name and work email; courses gain requires_manager_approval; bookings
gain the status 'awaiting_approval' (the status check constraint is widened) and who was asked
(manager_name, manager_email), when (approval_requested_at), until when the place is held
(approval_expires_at, indexed for `flask expire-approvals`) and when the manager was reminded. The
values are written out here rather than read from the enum, so this revision keeps its meaning.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-03 16:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None

BEFORE = ("confirmed", "waitlisted", "offered", "cancelled", "attended", "no_show")
AFTER = ("confirmed", "waitlisted", "offered", "awaiting_approval", "cancelled", "attended", "no_show")

# Reflecting bookings would otherwise reflect users too, whose expression index SQLite cannot reflect.
NO_REFERRED = {"resolve_fks": False}


def status_check(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_status_check(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_constraint(op.f("ck_bookings_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_bookings_status"), sa.text(status_check(values)))


def _users(change):
    # Batch mode copies users on SQLite, and the copy cannot carry the expression index on
    # lower(email): take it off and put it back (as 0011 does).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("uq_users_email_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def upgrade():
    def add(batch_op):
        batch_op.add_column(sa.Column("manager_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("manager_email", sa.String(length=320), nullable=True))

    _users(add)
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_manager_approval", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.add_column(sa.Column("manager_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("manager_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("approval_requested_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("approval_expires_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("approval_reminded_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_bookings_approval_expires_at",
            ["approval_expires_at"],
            unique=False,
            sqlite_where=sa.text("status = 'awaiting_approval'"),
            postgresql_where=sa.text("status = 'awaiting_approval'"),
        )
    _replace_status_check(AFTER)


def downgrade():
    # A request still waiting ends as if the manager had not answered: the place is let go.
    op.execute("UPDATE bookings SET status = 'cancelled' WHERE status = 'awaiting_approval'")
    _replace_status_check(BEFORE)
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_index("ix_bookings_approval_expires_at")
        for column in ("approval_reminded_at", "approval_expires_at", "approval_requested_at"):
            batch_op.drop_column(column)
        batch_op.drop_column("manager_email")
        batch_op.drop_column("manager_name")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("requires_manager_approval")

    def drop(batch_op):
        batch_op.drop_column("manager_email")
        batch_op.drop_column("manager_name")

    _users(drop)
