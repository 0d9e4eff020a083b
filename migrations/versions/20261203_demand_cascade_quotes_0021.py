"""Interest in courses, the cascade and quotable comments.

People ask to be told when a course has dates (course_interests; kept once told, for the demand
report); sessions gain when those people may start booking (their head start). Courses gain the
trainer-of-trainers flag and onward_deliveries records the training run by those they trained.
Evaluation responses gain the delegate's consent to be quoted anonymously and the team's pick.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-03 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

# Reflecting these tables would otherwise reflect users too, whose expression index SQLite cannot reflect.
NO_REFERRED = {"resolve_fks": False}


def upgrade():
    op.create_table(
        "course_interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_course_interests_course_id_courses")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_course_interests_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_interests")),
    )
    op.create_index(
        "uq_course_interests_waiting",
        "course_interests",
        ["user_id", "course_id"],
        unique=True,
        sqlite_where=sa.text("notified_at IS NULL"),
        postgresql_where=sa.text("notified_at IS NULL"),
    )
    op.create_index("ix_course_interests_course_created", "course_interests", ["course_id", "created_at"])
    op.create_table(
        "onward_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("sessions_run", sa.Integer(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("sessions_run >= 1", name=op.f("ck_onward_deliveries_sessions_run_positive")),
        sa.CheckConstraint("people_reached >= 0", name=op.f("ck_onward_deliveries_people_reached_not_negative")),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_onward_deliveries_booking_id_bookings")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_onward_deliveries_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onward_deliveries")),
    )
    op.create_index("ix_onward_deliveries_booking", "onward_deliveries", ["booking_id"])
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_trainer_of_trainers", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Plain ALTER TABLE, not a batch copy: the venue key is declared inline (0009), and a copy would move it.
    op.add_column("course_sessions", sa.Column("interest_opens_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("evaluation_responses", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.add_column(sa.Column("quote_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("quote_picked_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("evaluation_responses", schema=None, reflect_kwargs=NO_REFERRED) as batch_op:
        batch_op.drop_column("quote_picked_at")
        batch_op.drop_column("quote_consent")
    op.drop_column("course_sessions", "interest_opens_at")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("is_trainer_of_trainers")
    op.drop_index("ix_onward_deliveries_booking", table_name="onward_deliveries")
    op.drop_table("onward_deliveries")
    op.drop_index("ix_course_interests_course_created", table_name="course_interests")
    op.drop_index("uq_course_interests_waiting", table_name="course_interests")
    op.drop_table("course_interests")
