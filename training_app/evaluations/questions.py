"""The questions each evaluation stage asks: the defaults, built from a course's learning outcomes, and
the saved versions the partnership team adjusts (each change is a new EvaluationForm version)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Course, EvaluationStage, User
from ..models.evaluations import EvaluationForm
from .errors import OutcomeCountChanged

# A question set as stored in EvaluationForm.questions (JSON): outcomes, scale, likert, likert_labels,
# free_text.
Questions = dict[str, Any]

OUTCOME_SCALE = {
    "min": 1,
    "max": 10,
    "min_label": "No knowledge or confidence",
    "max_label": "Very knowledgeable and confident",
}
AGREE_LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
IMPACT_LABELS = ["No impact", "A little impact", "Some impact", "A lot of impact", "A great deal of impact"]
STANDARD_LIKERT = [
    {"key": "useful", "text": "The course was useful for my work"},
    {"key": "trainer", "text": "The trainer helped me learn"},
    {"key": "format", "text": "The format of the course worked well for me"},
]
FOLLOW_UP_LIKERT = [{"key": "impact", "text": "How much impact has the course had on your practice?"}]
EXTRA_LIKERT_KEYS = ("extra_1", "extra_2", "extra_3")
FREE_TEXT = {
    "practice_text": "How will you use this learning to impact your practice?",
    "other_text": "Anything else?",
    "changed_text": "What have you done differently?",
}
STAGE_FREE_TEXT: dict[str, list[str]] = {
    EvaluationStage.PRE: [],
    EvaluationStage.POST: ["practice_text", "other_text"],
    EvaluationStage.FOLLOW_UP: ["changed_text"],
}
# The stages that rate each learning outcome: before, after, and again at follow-up (retention).
RATED_STAGES = (*EvaluationStage.PAIRED, EvaluationStage.FOLLOW_UP)
MAX_TEXT = 2000
MAX_QUESTION_TEXT = 300


def default_questions(course: Course, stage: str) -> Questions:
    """The questions a stage asks when no one has adjusted them: built from the learning outcomes."""
    questions: Questions = {
        "outcomes": list(course.learning_outcomes or []) if stage in RATED_STAGES else [],
        "scale": dict(OUTCOME_SCALE),
        "likert": [],
        "likert_labels": [],
        "free_text": [{"key": key, "text": FREE_TEXT[key]} for key in STAGE_FREE_TEXT[stage]],
    }
    if stage == EvaluationStage.POST:
        questions["likert"] = [dict(q) for q in STANDARD_LIKERT]
        questions["likert_labels"] = list(AGREE_LABELS)
    elif stage == EvaluationStage.FOLLOW_UP:
        questions["likert"] = [dict(q) for q in FOLLOW_UP_LIKERT]
        questions["likert_labels"] = list(IMPACT_LABELS)
    return questions


def latest_form(course_id: int, stage: str) -> EvaluationForm | None:
    """The newest saved version of a course's questions for `stage`, or None if none is saved."""
    return db.session.scalars(
        select(EvaluationForm)
        .where(EvaluationForm.course_id == course_id, EvaluationForm.stage == stage)
        .order_by(EvaluationForm.version.desc())
        .limit(1)
    ).first()


def questions_for(course: Course, stage: str) -> tuple[int, Questions]:
    """(form_id, questions) the delegate should answer now; form_id 0 means "the defaults, not saved yet"."""
    form = latest_form(course.id, stage)
    if form is None:
        return 0, default_questions(course, stage)
    if lacks_outcomes(course, form):
        # Saved before the follow-up rated the outcomes again: answered as form 0, saved then as a new
        # version with the outcomes (evaluations.services._form_to_answer).
        return 0, {**form.questions, "outcomes": questions_for(course, EvaluationStage.POST)[1]["outcomes"]}
    return form.id, form.questions


def lacks_outcomes(course: Course, form: EvaluationForm) -> bool:
    """A follow-up form saved before the follow-up rated each learning outcome again."""
    return (
        form.stage == EvaluationStage.FOLLOW_UP
        and not form.questions.get("outcomes")
        and bool(course.learning_outcomes)
    )


def update_questions(
    actor: User, course: Course, outcomes: list[str], min_label: str, max_label: str, extra_likert: list[str]
) -> list[EvaluationForm]:
    """Save adjusted questions for a course as NEW versions of its pre- and post-course forms.

    Responses already given keep pointing at the version they answered. Only wording changes:
    the number of outcomes stays as it is, so pre and post ratings still pair. Returns the list
    of new EvaluationForm rows (empty if nothing changed). Raises OutcomeCountChanged if the
    number of outcomes differs.
    """
    current = {stage: questions_for(course, stage)[1] for stage in RATED_STAGES}
    if len(outcomes) != len(current[EvaluationStage.POST]["outcomes"]):
        raise OutcomeCountChanged()
    extras = [{"key": key, "text": text} for key, text in zip(EXTRA_LIKERT_KEYS, extra_likert, strict=False) if text]
    created = []
    for stage in RATED_STAGES:
        questions = {
            **current[stage],
            "outcomes": list(outcomes),
            "scale": {**current[stage]["scale"], "min_label": min_label, "max_label": max_label},
        }
        if stage == EvaluationStage.POST:
            standard = [q for q in current[stage]["likert"] if q["key"] not in EXTRA_LIKERT_KEYS]
            questions["likert"] = standard + extras
        if questions == current[stage]:
            continue
        latest = latest_form(course.id, stage)
        form = EvaluationForm(
            course_id=course.id,
            stage=stage,
            version=(latest.version + 1) if latest else 1,
            questions=questions,
            created_by_id=actor.id,
        )
        db.session.add(form)
        created.append(form)
    db.session.flush()
    return created
