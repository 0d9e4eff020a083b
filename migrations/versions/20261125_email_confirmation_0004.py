"""Email confirmation: a new account is active once its owner follows the emailed link.

Registration then answers the same way whether or not the address already has an account, so it
cannot be used to find out who is registered. Existing accounts count as confirmed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 16:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")


def downgrade():
    # SQLite drops a column by copying the table, and that copy cannot carry an expression index:
    # take the case-insensitive email index off first and put it back afterwards.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index('uq_users_email_lower', table_name='users')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
    if sqlite:
        op.create_index('uq_users_email_lower', 'users', [sa.text('lower(email)')], unique=True)
