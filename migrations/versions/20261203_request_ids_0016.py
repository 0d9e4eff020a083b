"""Request ids on emails and audit events; indexes for the public feed's validators (issue 17).

The id is the X-Request-ID a load balancer sent, or one the app made; it is in that request's log line
too, so an email or an audit entry can be traced to the request, and the machine, that wrote it.
The public feed's ETag reads the latest session change and end: indexes on both answer at once.

Revision ID: 0016
Revises: 0019
Create Date: 2026-12-03 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_messages", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_index("ix_course_sessions_updated_at", "course_sessions", ["updated_at"])
    op.create_index("ix_course_sessions_ends_at", "course_sessions", ["ends_at"])


# Reflecting these tables would otherwise reflect users too, whose expression index SQLite cannot
# reflect (a warning, which the tests treat as an error).
NO_REFERRED = {"resolve_fks": False}


def downgrade():
    op.drop_index("ix_course_sessions_ends_at", table_name="course_sessions")
    op.drop_index("ix_course_sessions_updated_at", table_name="course_sessions")
    with op.batch_alter_table("audit_events", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_column("request_id")
    with op.batch_alter_table("outbox_messages", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_column("request_id")
