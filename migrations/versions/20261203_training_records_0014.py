"""The training record: external training, requirements with a validity, refresher reminders sent.

`external_trainings` holds training people did elsewhere (with an optional certificate file kept in
UPLOAD_FOLDER under a random name); `training_requirements` says what people must keep current (a
level or a course, with an optional validity in months); `refresher_reminders` records each reminder
sent, unique per person, requirement, expiry date and lead time, so the job sends each once.

Revision ID: 0014
Revises: 0016
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_trainings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("certificate_file", sa.String(length=64), nullable=True),
        sa.Column("certificate_name", sa.String(length=200), nullable=True),
        sa.Column("certificate_type", sa.String(length=50), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name=op.f("ck_external_trainings_level_range")),
        sa.CheckConstraint(
            "hours IS NULL OR (hours > 0 AND hours <= 1000)", name=op.f("ck_external_trainings_hours_range")
        ),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_external_trainings_course_id_courses")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_external_trainings_user_id_users")),
        sa.ForeignKeyConstraint(
            ["verified_by_id"], ["users.id"], name=op.f("fk_external_trainings_verified_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_trainings")),
        sa.UniqueConstraint("certificate_file", name=op.f("uq_external_trainings_certificate_file")),
    )
    op.create_index("ix_external_trainings_user_completed", "external_trainings", ["user_id", "completed_at"])
    op.create_table(
        "training_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("validity_months", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(level IS NULL) != (course_id IS NULL)", name=op.f("ck_training_requirements_level_or_course")
        ),
        sa.CheckConstraint("level IS NULL OR level BETWEEN 1 AND 6", name=op.f("ck_training_requirements_level_range")),
        sa.CheckConstraint(
            "validity_months IS NULL OR validity_months BETWEEN 1 AND 240",
            name=op.f("ck_training_requirements_validity_range"),
        ),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_training_requirements_course_id_courses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_requirements")),
        sa.UniqueConstraint("name", name=op.f("uq_training_requirements_name")),
    )
    op.create_table(
        "refresher_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["requirement_id"],
            ["training_requirements.id"],
            name=op.f("fk_refresher_reminders_requirement_id_training_requirements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_refresher_reminders_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresher_reminders")),
        sa.UniqueConstraint(
            "user_id", "requirement_id", "expires_on", "days_before", name="uq_refresher_reminders_once"
        ),
    )


def downgrade():
    op.drop_table("refresher_reminders")
    op.drop_table("training_requirements")
    op.drop_index("ix_external_trainings_user_completed", table_name="external_trainings")
    op.drop_table("external_trainings")
