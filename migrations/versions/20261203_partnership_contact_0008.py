"""Partnership contact details: the email, phone and opening hours of each partnership's training team.

Pages, error pages and emails name the team to contact (training_app.contact). Existing partnerships
start without details; until an admin enters them, the HIPS-wide team (HELP_* settings) answers.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-03 12:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("opening_hours", sa.String(length=200), nullable=True))


def downgrade():
    # In place (SQLite 3.35+ drops columns itself): a batch copy of `partnerships` would have to drop
    # the table, which its foreign keys refuse once courses, sessions or people point at it.
    for column in ("opening_hours", "contact_phone", "contact_email"):
        op.execute(f"ALTER TABLE partnerships DROP COLUMN {column}")
