"""Reference data managed in the app: organisations' status, merges and requests; retired partnerships.

Organisations (agencies) gain a status (approved, pending, retired, merged), the organisation a merged
duplicate was merged into, who asked for it at registration and when it was added. Every existing
organisation is approved. Partnerships gain retired_at.

Revision ID: 0007
Revises: 0010
Create Date: 2026-12-03 12:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0010"
branch_labels = None
depends_on = None

STATUSES = "'approved', 'pending', 'retired', 'merged'"
# Batch mode on SQLite reflects the table; without this it also reflects the tables its keys refer to,
# and users' expression index (lower(email)) cannot be reflected (a warning, which tests treat as an error).
NO_REFERRED = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requested_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE agencies SET status = 'approved', created_at = CURRENT_TIMESTAMP")
    with op.batch_alter_table("agencies", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_agencies_merged_into_id_agencies"), "agencies", ["merged_into_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_agencies_requested_by_id_users"), "users", ["requested_by_id"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_check_constraint(batch_op.f("ck_agencies_status"), f"status IN ({STATUSES})")
        batch_op.create_check_constraint(
            batch_op.f("ck_agencies_merged_has_target"), "(status = 'merged') = (merged_into_id IS NOT NULL)"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_agencies_not_merged_into_itself"), "merged_into_id IS NULL OR merged_into_id != id"
        )


def downgrade():
    with op.batch_alter_table("agencies", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_agencies_not_merged_into_itself"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_agencies_merged_has_target"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_agencies_status"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_agencies_requested_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_agencies_merged_into_id_agencies"), type_="foreignkey")
        batch_op.drop_column("created_at")
        batch_op.drop_column("requested_by_id")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("status")
    # In place: a batch copy of `partnerships` fails on SQLite once rows point at it (see 0008).
    op.execute("ALTER TABLE partnerships DROP COLUMN retired_at")
