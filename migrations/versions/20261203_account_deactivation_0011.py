"""Account deactivation: an administrator can stop someone signing in and keep their history.

Deactivation is not closure (which anonymises, see privacy): the person keeps their name, bookings
and record, appears in registers and reports, and can be reactivated. `deactivated_by_id` is who
did it, so the person page can say.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-03 12:45:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def _without_email_index(change):
    # Adding a foreign key (and dropping columns) copies the table on SQLite, and the copy cannot
    # carry the expression index: take it off and put it back (as 0004 and 0005 do).
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        change(batch_op)
    if sqlite:
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)


def upgrade():
    def add(batch_op):
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('deactivated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_users_deactivated_by_id_users'), 'users', ['deactivated_by_id'], ['id']
        )

    _without_email_index(add)


def downgrade():
    def drop(batch_op):
        batch_op.drop_constraint(batch_op.f('fk_users_deactivated_by_id_users'), type_='foreignkey')
        batch_op.drop_column('deactivated_by_id')
        batch_op.drop_column('deactivated_at')

    _without_email_index(drop)
