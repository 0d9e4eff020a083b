"""Evaluations: versioned question sets, one response per delegate per stage, narrow ratings.

Ratings live one per row (EvaluationRating) so that every summary is a GROUP BY in the database.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model
from .vocabulary import EvaluationStage, enum_check

if TYPE_CHECKING:
    from .bookings import Booking
    from .catalogue import Course, CourseSession
    from .users import User

# The question key of a learning-outcome rating (other ratings are Likert questions).
OUTCOME_KEY = "outcome"


class EvaluationForm(Model):
    """One version of a course's questions for one stage. Never edited: a change is a new version."""

    __tablename__ = "evaluation_forms"
    __table_args__ = (
        UniqueConstraint("course_id", "stage", "version", name="uq_evaluation_forms_course_stage_version"),
        enum_check("stage", EvaluationStage),
        CheckConstraint("version >= 1", name="version_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course: Mapped["Course"] = relationship()
    stage: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    # Snapshot: {"outcomes": [...], "scale": {...}, "likert": [...], "likert_scale": {...}, "free_text": [...]}
    questions: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def stage_label(self) -> str:
        return EvaluationStage(self.stage).label


class EvaluationResponse(Model):
    """One delegate's answers to one stage. Final once submitted."""

    __tablename__ = "evaluation_responses"
    __table_args__ = (
        # "booking:<id>" or "elearning:<course>:<user>": the same delegate's pre and post share it,
        # so one response per delegate per stage is a constraint and pairing is an equality join.
        # Per booking, not per person and course, so taking a course again starts a new pair; a moved
        # booking takes its responses and key with it (evaluations.pairing.carry_responses).
        UniqueConstraint("pair_key", "stage", name="uq_evaluation_responses_pair_stage"),
        enum_check("stage", EvaluationStage),
        Index("ix_evaluation_responses_course_stage", "course_id", "stage"),
        Index("ix_evaluation_responses_session_stage", "session_id", "stage"),
        Index("ix_evaluation_responses_booking", "booking_id"),
        Index("ix_evaluation_responses_user", "user_id"),
        Index("ix_evaluation_responses_submitted", "submitted_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("evaluation_forms.id"))
    form: Mapped[EvaluationForm] = relationship()
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    course: Mapped["Course"] = relationship()
    session_id: Mapped[int | None] = mapped_column(ForeignKey("course_sessions.id"))
    session: Mapped["CourseSession | None"] = relationship()
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    booking: Mapped["Booking | None"] = relationship()
    elearning_completion_id: Mapped[int | None] = mapped_column(ForeignKey("elearning_completions.id"))
    # Null once the delegate is anonymised; pair_key keeps the pre/post pairing.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User | None"] = relationship()
    pair_key: Mapped[str] = mapped_column(String(80))
    stage: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(default=now)
    # Snapshot at submission, so reports keep the organisation the person had then.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    sector: Mapped[str | None] = mapped_column(String(100))
    practice_text: Mapped[str | None] = mapped_column(Text)  # "How will you use this learning to impact your practice?"
    other_text: Mapped[str | None] = mapped_column(Text)  # "Anything else?"
    changed_text: Mapped[str | None] = mapped_column(Text)  # follow-up: "What have you done differently?"
    # The delegate agreed their comments may be quoted anonymously; the team picks quotes for the pack.
    quote_consent: Mapped[bool] = mapped_column(default=False, server_default=false())
    quote_picked_at: Mapped[datetime | None]
    ratings: Mapped[list["EvaluationRating"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="EvaluationRating.id"
    )

    @property
    def stage_label(self) -> str:
        return EvaluationStage(self.stage).label


class EvaluationRating(Model):
    """One answer on a scale: an outcome rating (question_key 'outcome') or a Likert question."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (
        UniqueConstraint(
            "response_id", "question_key", "outcome_index", name="uq_evaluation_ratings_response_question"
        ),
        CheckConstraint("value BETWEEN 1 AND 10", name="value_range"),
        CheckConstraint("(question_key = 'outcome') = (outcome_index IS NOT NULL)", name="outcome_has_index"),
        CheckConstraint(
            "pre_value IS NULL OR (question_key = 'outcome' AND pre_value BETWEEN 1 AND 10)", name="pre_value_range"
        ),
        # Covering indexes for the summaries: paired outcome ratings, and the Likert answers.
        Index(
            "ix_evaluation_ratings_paired",
            "response_id",
            "outcome_index",
            "pre_value",
            "value",
            sqlite_where=text("pre_value IS NOT NULL"),
            postgresql_where=text("pre_value IS NOT NULL"),
        ),
        Index(
            "ix_evaluation_ratings_likert",
            "response_id",
            "question_key",
            "value",
            sqlite_where=text("question_key != 'outcome'"),
            postgresql_where=text("question_key != 'outcome'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("evaluation_responses.id", ondelete="CASCADE"))
    response: Mapped[EvaluationResponse] = relationship(back_populates="ratings")
    question_key: Mapped[str] = mapped_column(String(40))
    outcome_index: Mapped[int | None]
    value: Mapped[int]
    # On a post-course outcome rating: the same delegate's pre-course rating of the same outcome (null
    # when they gave none). Copied when the pair is completed (answers are final, so it never goes
    # stale); distance travelled is then one pass over post-course ratings, not a four-way self-join.
    pre_value: Mapped[int | None]
