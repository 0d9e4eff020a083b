"""Evaluations: versioned question sets, one response per delegate per stage, narrow ratings.

Ratings live one per row (EvaluationRating) so that every summary is a GROUP BY in the database.
"""
from sqlalchemy import CheckConstraint, Index, UniqueConstraint, text

from ..clock import now
from ..extensions import db
from .vocabulary import EvaluationStage, enum_check

STAGES = {
    "pre": "Pre-course evaluation",
    "post": "Post-course evaluation",
    "follow_up": "Follow-up evaluation",
}
OUTCOME_KEY = "outcome"


class EvaluationForm(db.Model):
    """One version of a course's questions for one stage. Never edited: a change is a new version."""

    __tablename__ = "evaluation_forms"
    __table_args__ = (
        UniqueConstraint("course_id", "stage", "version", name="uq_evaluation_forms_course_stage_version"),
        enum_check("stage", EvaluationStage),
        CheckConstraint("version >= 1", name="version_positive"),
    )
    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.ForeignKey("courses.id"), nullable=False)
    course = db.relationship("Course")
    stage = db.Column(db.String(20), nullable=False)
    version = db.Column(db.Integer, nullable=False)
    # Snapshot: {"outcomes": [...], "scale": {...}, "likert": [...], "likert_scale": {...}, "free_text": [...]}
    questions = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=now)
    created_by_id = db.Column(db.ForeignKey("users.id"))

    @property
    def stage_label(self):
        return STAGES[self.stage]


class EvaluationResponse(db.Model):
    """One delegate's answers to one stage. Final once submitted."""

    __tablename__ = "evaluation_responses"
    __table_args__ = (
        # "booking:<id>" or "elearning:<course>:<user>": the same delegate's pre and post share it,
        # so one response per delegate per stage is a constraint and pairing is an equality join.
        UniqueConstraint("pair_key", "stage", name="uq_evaluation_responses_pair_stage"),
        enum_check("stage", EvaluationStage),
        Index("ix_evaluation_responses_course_stage", "course_id", "stage"),
        Index("ix_evaluation_responses_session_stage", "session_id", "stage"),
        Index("ix_evaluation_responses_booking", "booking_id"),
        Index("ix_evaluation_responses_user", "user_id"),
        Index("ix_evaluation_responses_submitted", "submitted_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    form_id = db.Column(db.ForeignKey("evaluation_forms.id"), nullable=False)
    form = db.relationship(EvaluationForm)
    course_id = db.Column(db.ForeignKey("courses.id"), nullable=False)
    course = db.relationship("Course")
    session_id = db.Column(db.ForeignKey("course_sessions.id"))
    session = db.relationship("CourseSession")
    booking_id = db.Column(db.ForeignKey("bookings.id"))
    booking = db.relationship("Booking")
    elearning_completion_id = db.Column(db.ForeignKey("elearning_completions.id"))
    # Null once the delegate is anonymised; pair_key keeps the pre/post pairing.
    user_id = db.Column(db.ForeignKey("users.id"))
    user = db.relationship("User")
    pair_key = db.Column(db.String(80), nullable=False)
    stage = db.Column(db.String(20), nullable=False)
    submitted_at = db.Column(db.DateTime, nullable=False, default=now)
    # Snapshot at submission, so reports keep the organisation the person had then.
    agency_id = db.Column(db.ForeignKey("agencies.id"))
    sector = db.Column(db.String(100))
    practice_text = db.Column(db.Text)  # "How will you use this learning to impact your practice?"
    other_text = db.Column(db.Text)  # "Anything else?"
    changed_text = db.Column(db.Text)  # follow-up: "What have you done differently?"
    ratings = db.relationship("EvaluationRating", back_populates="response", cascade="all, delete-orphan",
                              order_by="EvaluationRating.id")

    @property
    def stage_label(self):
        return STAGES[self.stage]


class EvaluationRating(db.Model):
    """One answer on a scale: an outcome rating (question_key 'outcome') or a Likert question."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (
        UniqueConstraint("response_id", "question_key", "outcome_index",
                         name="uq_evaluation_ratings_response_question"),
        CheckConstraint("value BETWEEN 1 AND 10", name="value_range"),
        CheckConstraint("(question_key = 'outcome') = (outcome_index IS NOT NULL)", name="outcome_has_index"),
        CheckConstraint("pre_value IS NULL OR (question_key = 'outcome' AND pre_value BETWEEN 1 AND 10)",
                        name="pre_value_range"),
        # Covering indexes for the summaries: paired outcome ratings, and the Likert answers.
        Index("ix_evaluation_ratings_paired", "response_id", "outcome_index", "pre_value", "value",
              sqlite_where=text("pre_value IS NOT NULL"), postgresql_where=text("pre_value IS NOT NULL")),
        Index("ix_evaluation_ratings_likert", "response_id", "question_key", "value",
              sqlite_where=text("question_key != 'outcome'"), postgresql_where=text("question_key != 'outcome'")),
    )
    id = db.Column(db.Integer, primary_key=True)
    response_id = db.Column(db.ForeignKey("evaluation_responses.id", ondelete="CASCADE"), nullable=False)
    response = db.relationship(EvaluationResponse, back_populates="ratings")
    question_key = db.Column(db.String(40), nullable=False)
    outcome_index = db.Column(db.Integer)
    value = db.Column(db.Integer, nullable=False)
    # On a post-course outcome rating: the same delegate's pre-course rating of the same outcome (null
    # when they gave none). Copied when the pair is completed (answers are final, so it never goes
    # stale); distance travelled is then one pass over post-course ratings, not a four-way self-join.
    pre_value = db.Column(db.Integer)
