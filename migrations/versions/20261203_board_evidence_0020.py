"""Evidence for the board: case reviews, their recommendations and the courses answering them; suites.

Revision ID: 0020
Revises: 0021
Create Date: 2026-12-03 16:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0021"
branch_labels = None
depends_on = None

KINDS = "kind IN ('lcspr', 'cspr', 'sar', 'dhr', 'thematic')"


def upgrade():
    op.create_table(
        "case_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(KINDS, name=op.f("ck_case_reviews_kind")),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_case_reviews_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reviews")),
    )
    op.create_index(op.f("ix_case_reviews_partnership_id"), "case_reviews", ["partnership_id"])
    op.create_table(
        "review_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_review_recommendations_number_positive")),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["case_reviews.id"],
            name=op.f("fk_review_recommendations_review_id_case_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_recommendations")),
        sa.UniqueConstraint("review_id", "number", name="uq_review_recommendations_number"),
    )
    op.create_table(
        "recommendation_courses",
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("outcome_indexes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_recommendation_courses_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["review_recommendations.id"],
            name=op.f("fk_recommendation_courses_recommendation_id_review_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("recommendation_id", "course_id", name=op.f("pk_recommendation_courses")),
    )
    op.create_index("ix_recommendation_courses_course", "recommendation_courses", ["course_id"])
    op.create_table(
        "course_suites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"], ["partnerships.id"], name=op.f("fk_course_suites_partnership_id_partnerships")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_suites")),
    )
    op.create_index(op.f("ix_course_suites_partnership_id"), "course_suites", ["partnership_id"])
    op.create_table(
        "suite_courses",
        sa.Column("suite_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_suite_courses_course_id_courses"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["suite_id"], ["course_suites.id"], name=op.f("fk_suite_courses_suite_id_course_suites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("suite_id", "course_id", name=op.f("pk_suite_courses")),
    )
    op.create_index("ix_suite_courses_course", "suite_courses", ["course_id"])


def downgrade():
    op.drop_index("ix_suite_courses_course", table_name="suite_courses")
    op.drop_table("suite_courses")
    op.drop_index(op.f("ix_course_suites_partnership_id"), table_name="course_suites")
    op.drop_table("course_suites")
    op.drop_index("ix_recommendation_courses_course", table_name="recommendation_courses")
    op.drop_table("recommendation_courses")
    op.drop_table("review_recommendations")
    op.drop_index(op.f("ix_case_reviews_partnership_id"), table_name="case_reviews")
    op.drop_table("case_reviews")
