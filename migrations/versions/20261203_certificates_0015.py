"""Certificates of attendance, and when each course releases them.

Courses gain certificate_release ('after_evaluation', the common rule, or 'immediate'); existing
courses take the common rule. The certificates table holds each issued certificate with its
verification code and what it said when issued; a partial unique index keeps one current
(not replaced) certificate per booking. The values are written out here rather than read from the
enum, so this revision keeps meaning what it meant when it was written.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03 16:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "certificate_release", sa.String(length=20), nullable=False, server_default="after_evaluation"
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_courses_certificate_release"),
            sa.text("certificate_release IN ('after_evaluation', 'immediate')"),
        )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_at", sa.DateTime(), nullable=True),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("course_title", sa.String(length=200), nullable=False),
        sa.Column("level_label", sa.String(length=200), nullable=True),
        sa.Column("attended_at", sa.DateTime(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("learning_outcomes", sa.JSON(), nullable=False),
        sa.Column("partnership_name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_certificates_booking_id_bookings")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["users.id"], name=op.f("fk_certificates_issued_by_id_users")),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"], ["certificates.id"], name=op.f("fk_certificates_replaced_by_id_certificates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_certificates_code")),
    )
    op.create_index("ix_certificates_booking_id", "certificates", ["booking_id"])
    op.create_index("ix_certificates_user_id", "certificates", ["user_id"])
    op.create_index("ix_certificates_issued_at", "certificates", ["issued_at"])
    op.create_index(
        "uq_certificates_current_booking",
        "certificates",
        ["booking_id"],
        unique=True,
        sqlite_where=sa.text("replaced_at IS NULL"),
        postgresql_where=sa.text("replaced_at IS NULL"),
    )


def downgrade():
    op.drop_table("certificates")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_courses_certificate_release"), type_="check")
        batch_op.drop_column("certificate_release")
