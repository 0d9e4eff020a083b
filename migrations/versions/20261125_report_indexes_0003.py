"""Report indexes: count bookings per session, and attended bookings, from the index alone.

The capacity report sums bookings per session by status (and late cancellation); the reach and
annual reports count attended bookings by person, agency and job role. With 1,000,000 bookings
these indexes turn full table scans into index-only scans of the sessions in the period
(see bench/reports_bench.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 16:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_report_session', ['session_id', 'status', 'late_cancellation'],
                              unique=False)
        batch_op.create_index('ix_bookings_report_attended', ['session_id', 'user_id', 'agency_id', 'job_role'],
                              unique=False, sqlite_where=sa.text("status = 'attended'"),
                              postgresql_where=sa.text("status = 'attended'"))


def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_report_attended', sqlite_where=sa.text("status = 'attended'"),
                            postgresql_where=sa.text("status = 'attended'"))
        batch_op.drop_index('ix_bookings_report_session')
