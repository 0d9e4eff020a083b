"""Booking states: why a booking was cancelled, where it moved, and its calendar sequence.

`cancel_reason` is the reason the training team gave when cancelling a delegate (or the session),
shown to the delegate. `moved_to_id` points a booking the team moved to the booking that replaced
it, so My training can say "Moved to ...". `calendar_sequence` counts the changes a person sees in
their own copy of a session's event that do not change the session (booking, cancelling, a move,
a place from the waiting list): the event's SEQUENCE is the session's plus this, so every update
the person is sent is newer than the last.

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-03 12:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


# resolve_fks=False: SQLite copies the bookings table, and reflecting the tables it refers to
# would trip over the users table's expression index (reflection unsupported, a warning).


def upgrade():
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("moved_to_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("calendar_sequence", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_foreign_key("fk_bookings_moved_to_id_bookings", "bookings", ["moved_to_id"], ["id"])


def downgrade():
    with op.batch_alter_table("bookings", schema=None, reflect_kwargs={"resolve_fks": False}) as batch_op:
        batch_op.drop_constraint("fk_bookings_moved_to_id_bookings", type_="foreignkey")
        batch_op.drop_column("calendar_sequence")
        batch_op.drop_column("moved_to_id")
        batch_op.drop_column("cancel_reason")
