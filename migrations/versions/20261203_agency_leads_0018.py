"""Agency training leads: the role 'agency_lead' and the organisations each lead leads.

The users.role check constraint is widened with 'agency_lead' (batch mode copies users on SQLite, so
the lower(email) expression index is taken off and put back, as 0011 and 0017 do); agency_leads holds
one row per appointment (a lead may lead several organisations), with who appointed them and when.
The values are written out here rather than read from the enum, so this revision keeps its meaning.

Revision ID: 0018
Revises: 0014
Create Date: 2026-12-03 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0014"
branch_labels = None
depends_on = None

BEFORE = ("practitioner", "trainer", "partnership_admin", "system_admin")
AFTER = (*BEFORE, "agency_lead")


def role_check(values: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_role_check(values: tuple[str, ...]) -> None:
    # Batch mode copies users on SQLite, and the copy cannot carry the expression index on
    # lower(email): take it off and put it back.
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("uq_users_email_lower", table_name="users")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), sa.text(role_check(values)))
    if sqlite:
        op.create_index("uq_users_email_lower", "users", [sa.text("lower(email)")], unique=True)


def upgrade():
    _replace_role_check(AFTER)
    op.create_table(
        "agency_leads",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("appointed_by_id", sa.Integer(), nullable=True),
        sa.Column("appointed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_agency_leads_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_leads_agency_id_agencies"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["appointed_by_id"],
            ["users.id"],
            name=op.f("fk_agency_leads_appointed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("user_id", "agency_id", name=op.f("pk_agency_leads")),
    )
    op.create_index("ix_agency_leads_agency_id", "agency_leads", ["agency_id"], unique=False)


def downgrade():
    op.drop_index("ix_agency_leads_agency_id", table_name="agency_leads")
    op.drop_table("agency_leads")
    # A lead is otherwise a practitioner: that is what they become without the role.
    op.execute("UPDATE users SET role = 'practitioner' WHERE role = 'agency_lead'")
    _replace_role_check(BEFORE)
