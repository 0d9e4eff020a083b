"""The compliance summary: each person's latest qualifying completion per requirement.

`requirement_completions` is kept by training_app/records/summary.py in the same transaction as every
change to completions; this migration creates it and fills it from the completions already recorded
(the same rule, `records/completions.latest_completions`), so an existing installation needs no step.
`flask --app wsgi rebuild-compliance-summary` rebuilds it at any time.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-03 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "requirement_completions",
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_completed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["training_requirements.id"],
            name=op.f("fk_requirement_completions_requirement_id_training_requirements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_requirement_completions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("requirement_id", "user_id", name=op.f("pk_requirement_completions")),
    )
    op.create_index(
        "ix_requirement_completions_person",
        "requirement_completions",
        ["user_id", "requirement_id", "last_completed_at"],
    )
    from training_app.records.summary import rebuild_requirements

    rebuild_requirements(op.get_bind())


def downgrade():
    op.drop_index("ix_requirement_completions_person", table_name="requirement_completions")
    op.drop_table("requirement_completions")
