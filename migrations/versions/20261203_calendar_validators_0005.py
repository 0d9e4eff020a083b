"""Calendar validators: when a course, or what calendars show about a person, last changed.

Feeds derive Last-Modified from the same state as their ETag. Renaming or archiving a course,
renaming a trainer or changing a session's trainers changed the ETag but had no timestamp, so
clients polling with If-Modified-Since kept a stale calendar. Existing rows start from the
latest moment known for them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE courses SET updated_at = COALESCE(archived_at, created_at)")
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(), nullable=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_changed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET calendar_changed_at = created_at")
    # Making it NOT NULL copies the table on SQLite, and the copy cannot carry the expression
    # index (as in 0004's downgrade): take it off and put it back.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('calendar_changed_at', existing_type=sa.DateTime(), nullable=False)
    if sqlite:
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)


def downgrade():
    # SQLite drops a column by copying the table, and that copy cannot carry an expression index:
    # take the case-insensitive email index off first and put it back afterwards (as 0004 does).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_at')
    if sqlite:
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
