"""Non-attendance follow-up and manager emails.

Partnerships gain their settings for telling line managers of no-shows and of their staff's bookings,
and their charges for a no-show or a late cancellation (pence, optional). Bookings gain when the
delegate was asked why they did not attend, and their answer.

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-03 16:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

# Reflecting bookings would otherwise reflect users too, whose expression index SQLite cannot reflect.
NO_REFERRED = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notify_managers_of_no_shows", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("notify_managers_of_bookings", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("no_show_charge_pence", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("late_cancellation_charge_pence", sa.Integer(), nullable=True))
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.add_column(sa.Column("no_show_asked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("no_show_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("no_show_reason_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_column("no_show_reason_at")
        batch_op.drop_column("no_show_reason")
        batch_op.drop_column("no_show_asked_at")
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.drop_column("late_cancellation_charge_pence")
        batch_op.drop_column("no_show_charge_pence")
        batch_op.drop_column("notify_managers_of_bookings")
        batch_op.drop_column("notify_managers_of_no_shows")
