"""Shared courses are run by every partner: each session records the partnership that runs it.

A joint course's partnerships, and all four for a HIPS course, schedule and manage sessions of it;
reports count a session for the partnership that runs it. Every existing session was run by its
course's owner, so that is what it starts with. Indexed with the start time for the reports,
which count a partnership's sessions over a period.

Revision ID: 0010
Revises: 0013
Create Date: 2026-12-03 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('partnership_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE course_sessions SET partnership_id = "
        "(SELECT owner_partnership_id FROM courses WHERE courses.id = course_sessions.course_id)"
    )
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.alter_column('partnership_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_course_sessions_partnership_id_partnerships'), 'partnerships', ['partnership_id'], ['id']
        )
        batch_op.create_index('ix_course_sessions_partnership_starts', ['partnership_id', 'starts_at'], unique=False)


def downgrade():
    with op.batch_alter_table('course_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_course_sessions_partnership_starts')
        batch_op.drop_constraint(batch_op.f('fk_course_sessions_partnership_id_partnerships'), type_='foreignkey')
        batch_op.drop_column('partnership_id')
