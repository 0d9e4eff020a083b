"""Evidence for the board (issue 16): case reviews, their recommendations, and themed suites.

A review (LCSPR, CSPR, SAR, DHR or thematic) belongs to the partnership that commissioned it and has
numbered recommendations. A recommendation is answered by courses, and optionally by particular
learning outcomes of a course: `outcome_indexes` are the 0-based positions in Course.learning_outcomes,
the same `outcome_index` the evaluations store on each outcome rating (models/evaluations.py), so the
traceability report reads distance travelled for exactly those outcomes. An empty list: the whole course.

A suite ("Domestic abuse", "Exploitation", "Neglect") is a named set of courses, owned by one
partnership (its admins manage it) or by none (HIPS-wide: system admins only).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model, db
from .vocabulary import ReviewKind, enum_check

if TYPE_CHECKING:
    from .catalogue import Course
    from .users import Partnership

suite_courses = db.Table(
    "suite_courses",
    db.Column("suite_id", db.ForeignKey("course_suites.id", ondelete="CASCADE"), primary_key=True),
    db.Column("course_id", db.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    db.Index("ix_suite_courses_course", "course_id"),
)


class CaseReview(Model):
    __tablename__ = "case_reviews"
    __table_args__ = (enum_check("kind", ReviewKind),)
    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id"), index=True)
    partnership: Mapped[Partnership] = relationship()
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date]
    link: Mapped[str | None] = mapped_column(String(500))
    # Public: the catalogue names the review on the pages of courses that carry its learning; otherwise
    # only staff (trainers and administrators) see it there.
    public: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=now)
    recommendations: Mapped[list[ReviewRecommendation]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewRecommendation.number"
    )

    @property
    def kind_label(self) -> str:
        return ReviewKind(self.kind).label

    @property
    def short_kind(self) -> str:
        label = self.kind_label
        return label[label.index("(") + 1 : -1] if "(" in label else label


class ReviewRecommendation(Model):
    __tablename__ = "review_recommendations"
    __table_args__ = (
        UniqueConstraint("review_id", "number", name="uq_review_recommendations_number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("case_reviews.id", ondelete="CASCADE"))
    review: Mapped[CaseReview] = relationship(back_populates="recommendations")
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    links: Mapped[list[RecommendationCourse]] = relationship(
        back_populates="recommendation", cascade="all, delete-orphan", order_by="RecommendationCourse.course_id"
    )


class RecommendationCourse(Model):
    """A course (and, optionally, some of its learning outcomes) that answers a recommendation."""

    __tablename__ = "recommendation_courses"
    __table_args__ = (Index("ix_recommendation_courses_course", "course_id"),)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("review_recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    recommendation: Mapped[ReviewRecommendation] = relationship(back_populates="links")
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True)
    course: Mapped[Course] = relationship()
    # 0-based indexes into Course.learning_outcomes (EvaluationRating.outcome_index); [] = the whole course.
    outcome_indexes: Mapped[list[int]] = mapped_column(JSON, default=list)


class CourseSuite(Model):
    __tablename__ = "course_suites"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # The partnership whose admins manage it; None: HIPS-wide, managed by system administrators.
    partnership_id: Mapped[int | None] = mapped_column(ForeignKey("partnerships.id"), index=True)
    partnership: Mapped[Partnership | None] = relationship()
    created_at: Mapped[datetime] = mapped_column(default=now)
    courses: Mapped[list[Course]] = relationship(secondary=suite_courses, order_by="Course.title")
