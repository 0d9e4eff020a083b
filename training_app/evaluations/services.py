"""Evaluations: when each stage is open, saving answers, and who is due what.

Stages: pre-course (confirmed place, until the session starts; no deadline while postponed),
post-course (marked attended, or e-learning completed) and follow-up (EVALUATION_FOLLOW_UP_DAYS after
the session ended or the e-learning was completed). One response per delegate per stage; answers are final.
The questions live in .questions, who is due what in .due, the invitation emails in .invitations,
the errors in .errors.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..constants import EVALUATION_FOLLOW_UP_DAYS
from ..extensions import db
from ..models import (
    Agency,
    Booking,
    BookingStatus,
    Course,
    CourseSession,
    CourseStatus,
    ElearningCompletion,
    EvaluationStage,
    SessionStatus,
    User,
)
from ..models.evaluations import OUTCOME_KEY, EvaluationForm, EvaluationRating, EvaluationResponse
from .errors import AlreadySubmitted, EvaluationNotAvailable, InvalidAnswers, QuestionsChanged
from .questions import (
    MAX_TEXT,
    STAGE_FREE_TEXT,
    Questions,
    default_questions,
    lacks_outcomes,
    latest_form,
    questions_for,
)


def follow_up_days() -> int:
    """Days after the session (or the e-learning) before the follow-up evaluation opens."""
    return int(current_app.config.get("EVALUATION_FOLLOW_UP_DAYS", EVALUATION_FOLLOW_UP_DAYS))


# When each stage is open ------------------------------------------------------------------------


@dataclass
class Opening:
    """An open evaluation for one delegate: what they answer and until when."""

    stage: str
    course: Course
    session: CourseSession | None = None
    booking: Booking | None = None
    completion: ElearningCompletion | None = None
    closes_at: datetime | None = None
    url: str | None = None

    @property
    def stage_label(self) -> str:
        return EvaluationStage(self.stage).label

    @property
    def course_title(self) -> str:
        return self.course.title


def pre_course_closes_at(course_session: CourseSession) -> datetime | None:
    """When the pre-course evaluation closes: the session's current start (None while postponed)."""
    return None if course_session.status == SessionStatus.POSTPONED else course_session.starts_at


def booking_opening(booking: Booking, stage: str, at: datetime) -> Opening:
    """The Opening for `stage` of `booking` at `at`; raises EvaluationNotAvailable with the reason."""
    course_session = booking.session
    if stage == EvaluationStage.PRE:
        if booking.status == BookingStatus.WAITLISTED:
            raise EvaluationNotAvailable(
                "You are on the waiting list. The pre-course evaluation opens when your place is confirmed."
            )
        if booking.status == BookingStatus.CANCELLED or course_session.status == SessionStatus.CANCELLED:
            raise EvaluationNotAvailable("This booking was cancelled, so there is no evaluation to complete.")
        if (closes_at := pre_course_closes_at(course_session)) is not None and at >= closes_at:
            raise EvaluationNotAvailable("The pre-course evaluation closed when the session started.")
        if booking.status != BookingStatus.CONFIRMED:
            raise EvaluationNotAvailable("The pre-course evaluation is for delegates with a confirmed place.")
        return Opening(stage, course_session.course, course_session, booking, closes_at=closes_at)
    if booking.status != BookingStatus.ATTENDED:
        raise EvaluationNotAvailable(
            "This evaluation is for delegates marked as attended. If you attended this session, ask the "
            "trainer or the partnership team to update the register."
        )
    if stage == EvaluationStage.POST:
        return Opening(stage, course_session.course, course_session, booking)
    opens_at = course_session.ends_at + timedelta(days=follow_up_days())
    if at < opens_at:
        raise EvaluationNotAvailable(f"The follow-up evaluation opens on {opens_at:%-d %B %Y}.")
    return Opening(stage, course_session.course, course_session, booking)


def elearning_opening(user: User, course: Course, stage: str, at: datetime) -> Opening:
    """The Opening for `stage` of an e-learning course for `user`; raises EvaluationNotAvailable."""
    if not course.is_elearning:
        raise EvaluationNotAvailable("This course is not e-learning.")
    completion = db.session.scalars(
        select(ElearningCompletion).where(
            ElearningCompletion.user_id == user.id, ElearningCompletion.course_id == course.id
        )
    ).first()
    if stage == EvaluationStage.PRE:
        if completion is not None:
            raise EvaluationNotAvailable(
                "The pre-course evaluation is for before you start; you have already completed this e-learning."
            )
        if course.status != CourseStatus.PUBLISHED:
            raise EvaluationNotAvailable("This course is not available.")
        return Opening(stage, course)
    if completion is None:
        raise EvaluationNotAvailable("This evaluation opens when you have completed the e-learning.")
    if stage == EvaluationStage.FOLLOW_UP:
        opens_at = completion.completed_at + timedelta(days=follow_up_days())
        if at < opens_at:
            raise EvaluationNotAvailable(f"The follow-up evaluation opens on {opens_at:%-d %B %Y}.")
    return Opening(stage, course, completion=completion)


def pair_key_for(opening: Opening, user: User) -> str:
    """The key a delegate's pre and post responses share: their booking (moves carry it, see
    .pairing), or them and the e-learning course."""
    if opening.booking is not None:
        return f"booking:{opening.booking.id}"
    return f"elearning:{opening.course.id}:{user.id}"


def existing_response(opening: Opening, user: User) -> EvaluationResponse | None:
    """The delegate's response to this opening's stage, if they have answered it."""
    return db.session.scalars(
        select(EvaluationResponse).where(
            EvaluationResponse.pair_key == pair_key_for(opening, user), EvaluationResponse.stage == opening.stage
        )
    ).first()


# Saving answers ---------------------------------------------------------------------------------


def _form_to_answer(opening: Opening, form_id: int | None) -> EvaluationForm:
    """The EvaluationForm version the delegate saw (form_id 0: the defaults, saved now as version 1).
    Any other form_id that is not a saved version of these questions raises QuestionsChanged, as does
    None (what training_app.ids.parse_id makes of junk and out-of-range ids)."""
    if form_id != 0:
        form = db.session.get(EvaluationForm, form_id) if form_id is not None else None
        if form is None or form.course_id != opening.course.id or form.stage != opening.stage:
            raise QuestionsChanged()
        return form
    latest = latest_form(opening.course.id, opening.stage)
    if latest is not None and not lacks_outcomes(opening.course, latest):
        raise QuestionsChanged()
    # form 0 on a stale follow-up form (questions.lacks_outcomes): its questions with the outcomes added
    questions = questions_for(opening.course, opening.stage)[1] if latest else None
    form = EvaluationForm(
        course_id=opening.course.id,
        stage=opening.stage,
        version=latest.version + 1 if latest else 1,
        questions=questions or default_questions(opening.course, opening.stage),
    )
    try:
        with db.session.begin_nested():
            db.session.add(form)
    except IntegrityError:
        raise QuestionsChanged() from None
    return form


def validate_answers(questions: Questions, ratings: dict[str, int], texts: dict[str, str | None]) -> dict[str, str]:
    """{field name: message} for missing, out-of-range or over-long answers (empty when all fine)."""
    errors: dict[str, str] = {}
    scale = questions["scale"]
    for index in range(len(questions["outcomes"])):
        value = ratings.get(f"outcome_{index}")
        if not isinstance(value, int) or not scale["min"] <= value <= scale["max"]:
            errors[f"outcome_{index}"] = (
                f"Select a rating from {scale['min']} to {scale['max']} for outcome {index + 1}"
            )
    for question in questions["likert"]:
        value = ratings.get(question["key"])
        if not isinstance(value, int) or not 1 <= value <= len(questions["likert_labels"]):
            errors[question["key"]] = f"Select an answer for '{question['text']}'"
    for item in questions["free_text"]:
        if len(texts.get(item["key"]) or "") > MAX_TEXT:
            errors[item["key"]] = f"Your answer to '{item['text']}' must be {MAX_TEXT:,} characters or fewer"
    return errors


def submit_evaluation(
    delegate: User,
    opening: Opening,
    form_id: int | None,
    ratings: dict[str, int],
    texts: dict[str, str | None],
    at: datetime,
    quote_consent: bool = False,
) -> EvaluationResponse:
    """Save a delegate's answers to one stage (final: they cannot be edited afterwards).

    `form_id` is the question version the delegate saw: 0 for the defaults, None if unreadable;
    `ratings` maps "outcome_<i>" and Likert keys to integers; `texts` maps free-text keys to text.
    `quote_consent`: the delegate agreed their comments may be quoted anonymously (evaluations/quotes.py).
    Raises AlreadySubmitted, QuestionsChanged or InvalidAnswers; flushes, never commits.
    """
    if existing_response(opening, delegate) is not None:
        raise AlreadySubmitted.for_stage(opening.stage_label)
    form = _form_to_answer(opening, form_id)
    questions = form.questions
    errors = validate_answers(questions, ratings, texts)
    if errors:
        raise InvalidAnswers(errors)
    agency_id = opening.booking.agency_id if opening.booking is not None else delegate.agency_id
    if agency_id is None:
        agency_id = delegate.agency_id
    sector = db.session.scalar(select(Agency.sector).where(Agency.id == agency_id)) if agency_id else None
    free = {key: (texts.get(key) or "").strip() or None for key in STAGE_FREE_TEXT[opening.stage]}
    response = EvaluationResponse(
        form_id=form.id,
        course_id=opening.course.id,
        session_id=opening.session.id if opening.session else None,
        booking_id=opening.booking.id if opening.booking else None,
        elearning_completion_id=opening.completion.id if opening.completion else None,
        user_id=delegate.id,
        pair_key=pair_key_for(opening, delegate),
        stage=opening.stage,
        submitted_at=at,
        agency_id=agency_id,
        sector=sector,
        quote_consent=quote_consent and any(free.values()),
        **free,
    )
    for index in range(len(questions["outcomes"])):
        response.ratings.append(
            EvaluationRating(question_key=OUTCOME_KEY, outcome_index=index, value=ratings[f"outcome_{index}"])
        )
    for question in questions["likert"]:
        response.ratings.append(EvaluationRating(question_key=question["key"], value=ratings[question["key"]]))
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise AlreadySubmitted.for_stage(opening.stage_label) from None
    if opening.stage in EvaluationStage.PAIRED:
        link_pair(response.pair_key)
    return response


def link_pair(pair_key: str) -> None:
    """Copy the pre-course outcome ratings onto the matching post-course ones (same delegate, same outcome).

    Pairs only form from the same pair_key, i.e. the same delegate; unpaired ratings keep pre_value null.
    """
    stages = dict(
        db.session.execute(
            select(EvaluationResponse.stage, EvaluationResponse.id).where(
                EvaluationResponse.pair_key == pair_key, EvaluationResponse.stage.in_(EvaluationStage.PAIRED)
            )
        ).all()
    )
    if EvaluationStage.PRE not in stages or EvaluationStage.POST not in stages:
        return
    pre_values = dict(
        db.session.execute(
            select(EvaluationRating.outcome_index, EvaluationRating.value).where(
                EvaluationRating.response_id == stages[EvaluationStage.PRE],
                EvaluationRating.question_key == OUTCOME_KEY,
            )
        ).all()
    )
    for rating in db.session.scalars(
        select(EvaluationRating).where(
            EvaluationRating.response_id == stages[EvaluationStage.POST], EvaluationRating.question_key == OUTCOME_KEY
        )
    ):
        rating.pre_value = pre_values.get(rating.outcome_index)
    db.session.flush()


def anonymise_evaluation_responses(user: User) -> int:
    """Detach a person's responses from them, keeping pre/post pairs together (for the privacy area).

    user_id becomes null and each pair_key is replaced by a random token shared by the pair.
    """
    responses = db.session.scalars(select(EvaluationResponse).where(EvaluationResponse.user_id == user.id)).all()
    tokens: dict[str, str] = {}
    for response in responses:
        tokens.setdefault(response.pair_key, f"anon:{secrets.token_hex(16)}")
        response.pair_key = tokens[response.pair_key]
        response.user_id = None
    db.session.flush()
    return len(responses)


def responses_of(user: User) -> Sequence[EvaluationResponse]:
    """A delegate's own responses, newest first."""
    return db.session.scalars(
        select(EvaluationResponse)
        .where(EvaluationResponse.user_id == user.id)
        .order_by(EvaluationResponse.submitted_at.desc(), EvaluationResponse.id.desc())
    ).all()
