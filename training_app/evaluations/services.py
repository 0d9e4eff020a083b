"""Evaluations: the questions, when each stage is open, saving answers, invitations and reminders.

Stages: pre-course (confirmed place, before the session starts), post-course (marked attended,
or e-learning completed) and follow-up (EVALUATION_FOLLOW_UP_DAYS after the session ended or
the e-learning was completed). One response per delegate per stage; answers are final.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, exists, select, true
from sqlalchemy.exc import IntegrityError

from ..constants import EVALUATION_FOLLOW_UP_DAYS
from ..errors import DomainError
from ..extensions import db
from ..ids import parse_id
from ..mail import queue_email
from ..models import Agency, Booking, BookingStatus, Course, CourseSession, CourseStatus, ElearningCompletion, EvaluationStage, OutboxMessage, SessionStatus
from ..models.evaluations import OUTCOME_KEY, EvaluationForm, EvaluationRating, EvaluationResponse

OUTCOME_SCALE = {"min": 1, "max": 10, "min_label": "No knowledge or confidence",
                 "max_label": "Very knowledgeable and confident"}
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
STAGE_FREE_TEXT = {EvaluationStage.PRE: [], EvaluationStage.POST: ["practice_text", "other_text"],
                   EvaluationStage.FOLLOW_UP: ["changed_text"]}
MAX_TEXT = 2000
MAX_QUESTION_TEXT = 300
REMINDER_AFTER = timedelta(days=7)


class EvaluationError(DomainError):
    """Base class: `message` is what the person should read."""


class EvaluationNotAvailable(EvaluationError):
    """This stage is not open to this delegate (yet, or any more)."""


class AlreadySubmitted(EvaluationError):
    """The delegate has already answered this stage; answers are final."""


class QuestionsChanged(EvaluationError):
    """The questions were changed while the delegate was answering."""


class InvalidAnswers(EvaluationError):
    """Missing or out-of-range answers; `errors` maps field names to messages."""

    def __init__(self, errors):
        super().__init__("Check your answers")
        self.errors = errors


def follow_up_days():
    return int(current_app.config.get("EVALUATION_FOLLOW_UP_DAYS", EVALUATION_FOLLOW_UP_DAYS))


# Questions ---------------------------------------------------------------------------------------

def default_questions(course, stage):
    """The questions a stage asks when no one has adjusted them: built from the learning outcomes."""
    questions = {
        "outcomes": list(course.learning_outcomes or []) if stage in EvaluationStage.PAIRED else [],
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


def latest_form(course_id, stage):
    return db.session.scalars(
        select(EvaluationForm).where(EvaluationForm.course_id == course_id, EvaluationForm.stage == stage)
        .order_by(EvaluationForm.version.desc()).limit(1)
    ).first()


def questions_for(course, stage):
    """(form_id, questions) the delegate should answer now; form_id 0 means "the defaults, not saved yet"."""
    form = latest_form(course.id, stage)
    if form is None:
        return 0, default_questions(course, stage)
    return form.id, form.questions


def update_questions(actor, course, outcomes, min_label, max_label, extra_likert):
    """Save adjusted questions for a course as NEW versions of its pre- and post-course forms.

    Responses already given keep pointing at the version they answered. Only wording changes:
    the number of outcomes stays as it is, so pre and post ratings still pair. Returns the list
    of new EvaluationForm rows (empty if nothing changed). Raises EvaluationError if the
    number of outcomes differs.
    """
    current = {stage: questions_for(course, stage)[1] for stage in EvaluationStage.PAIRED}
    if len(outcomes) != len(current[EvaluationStage.POST]["outcomes"]):
        raise EvaluationError("The number of learning outcomes cannot change once evaluations exist")
    extras = [{"key": key, "text": text} for key, text in zip(EXTRA_LIKERT_KEYS, extra_likert) if text]
    created = []
    for stage in EvaluationStage.PAIRED:
        questions = {**current[stage], "outcomes": list(outcomes),
                     "scale": {**current[stage]["scale"], "min_label": min_label, "max_label": max_label}}
        if stage == EvaluationStage.POST:
            standard = [q for q in current[stage]["likert"] if q["key"] not in EXTRA_LIKERT_KEYS]
            questions["likert"] = standard + extras
        if questions == current[stage]:
            continue
        latest = latest_form(course.id, stage)
        form = EvaluationForm(course_id=course.id, stage=stage, version=(latest.version + 1) if latest else 1,
                              questions=questions, created_by_id=actor.id)
        db.session.add(form)
        created.append(form)
    db.session.flush()
    return created


# When each stage is open ------------------------------------------------------------------------

@dataclass
class Opening:
    """An open evaluation for one delegate: what they answer and until when."""

    stage: str
    course: Course
    session: CourseSession = None
    booking: Booking = None
    completion: ElearningCompletion = None
    closes_at: datetime = None
    url: str = None

    @property
    def stage_label(self):
        return EvaluationStage(self.stage).label

    @property
    def course_title(self):
        return self.course.title


def booking_opening(booking, stage, at):
    """The Opening for `stage` of `booking` at `at`; raises EvaluationNotAvailable with the reason."""
    course_session = booking.session
    if stage == EvaluationStage.PRE:
        if booking.status == BookingStatus.WAITLISTED:
            raise EvaluationNotAvailable(
                "You are on the waiting list. The pre-course evaluation opens when your place is confirmed.")
        if booking.status == BookingStatus.CANCELLED or course_session.status == SessionStatus.CANCELLED:
            raise EvaluationNotAvailable("This booking was cancelled, so there is no evaluation to complete.")
        if at >= course_session.starts_at:
            raise EvaluationNotAvailable("The pre-course evaluation closed when the session started.")
        if booking.status != BookingStatus.CONFIRMED:
            raise EvaluationNotAvailable("The pre-course evaluation is for delegates with a confirmed place.")
        return Opening(stage, course_session.course, course_session, booking, closes_at=course_session.starts_at)
    if booking.status != BookingStatus.ATTENDED:
        raise EvaluationNotAvailable(
            "This evaluation is for delegates marked as attended. If you attended this session, ask the "
            "trainer or the partnership team to update the register.")
    if stage == EvaluationStage.POST:
        return Opening(stage, course_session.course, course_session, booking)
    opens_at = course_session.ends_at + timedelta(days=follow_up_days())
    if at < opens_at:
        raise EvaluationNotAvailable(f"The follow-up evaluation opens on {opens_at:%-d %B %Y}.")
    return Opening(stage, course_session.course, course_session, booking)


def elearning_opening(user, course, stage, at):
    """The Opening for `stage` of an e-learning course for `user`; raises EvaluationNotAvailable."""
    if not course.is_elearning:
        raise EvaluationNotAvailable("This course is not e-learning.")
    completion = db.session.scalars(
        select(ElearningCompletion).where(ElearningCompletion.user_id == user.id,
                                          ElearningCompletion.course_id == course.id)
    ).first()
    if stage == EvaluationStage.PRE:
        if completion is not None:
            raise EvaluationNotAvailable(
                "The pre-course evaluation is for before you start; you have already completed this e-learning.")
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


def pair_key_for(opening, user):
    if opening.booking is not None:
        return f"booking:{opening.booking.id}"
    return f"elearning:{opening.course.id}:{user.id}"


def existing_response(opening, user):
    return db.session.scalars(
        select(EvaluationResponse).where(EvaluationResponse.pair_key == pair_key_for(opening, user),
                                         EvaluationResponse.stage == opening.stage)
    ).first()


# Saving answers ---------------------------------------------------------------------------------

def _form_to_answer(opening, form_id, actor):
    """The EvaluationForm version the delegate saw (form_id 0: the defaults, saved now as version 1).
    Any other form_id that is not a saved version of these questions (junk included) raises QuestionsChanged."""
    if form_id:
        saved_id = parse_id(form_id)
        form = db.session.get(EvaluationForm, saved_id) if saved_id is not None else None
        if form is None or form.course_id != opening.course.id or form.stage != opening.stage:
            raise QuestionsChanged("The questions have changed. Check your answers and submit them again.")
        return form
    if latest_form(opening.course.id, opening.stage) is not None:
        raise QuestionsChanged("The questions have changed. Check your answers and submit them again.")
    form = EvaluationForm(course_id=opening.course.id, stage=opening.stage, version=1,
                          questions=default_questions(opening.course, opening.stage))
    try:
        with db.session.begin_nested():
            db.session.add(form)
    except IntegrityError:
        raise QuestionsChanged("The questions have changed. Check your answers and submit them again.") from None
    return form


def validate_answers(questions, ratings, texts):
    """{field name: message} for missing, out-of-range or over-long answers (empty when all fine)."""
    errors = {}
    scale = questions["scale"]
    for index, outcome in enumerate(questions["outcomes"]):
        value = ratings.get(f"outcome_{index}")
        if not isinstance(value, int) or not scale["min"] <= value <= scale["max"]:
            errors[f"outcome_{index}"] = (f"Select a rating from {scale['min']} to {scale['max']} "
                                          f"for outcome {index + 1}")
    for question in questions["likert"]:
        value = ratings.get(question["key"])
        if not isinstance(value, int) or not 1 <= value <= len(questions["likert_labels"]):
            errors[question["key"]] = f"Select an answer for '{question['text']}'"
    for item in questions["free_text"]:
        if len(texts.get(item["key"]) or "") > MAX_TEXT:
            errors[item["key"]] = f"Your answer to '{item['text']}' must be {MAX_TEXT:,} characters or fewer"
    return errors


def submit_evaluation(delegate, opening, form_id, ratings, texts, at):
    """Save a delegate's answers to one stage (final: they cannot be edited afterwards).

    `ratings` maps "outcome_<i>" and Likert keys to integers; `texts` maps free-text keys to text.
    Raises AlreadySubmitted, QuestionsChanged or InvalidAnswers; flushes, never commits.
    """
    if existing_response(opening, delegate) is not None:
        raise AlreadySubmitted(f"You have already submitted the {opening.stage_label.lower()} for this "
                               "course. Submitted answers are final.")
    form = _form_to_answer(opening, form_id, delegate)
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
        form_id=form.id, course_id=opening.course.id, session_id=opening.session.id if opening.session else None,
        booking_id=opening.booking.id if opening.booking else None,
        elearning_completion_id=opening.completion.id if opening.completion else None,
        user_id=delegate.id, pair_key=pair_key_for(opening, delegate), stage=opening.stage, submitted_at=at,
        agency_id=agency_id, sector=sector, **free,
    )
    for index in range(len(questions["outcomes"])):
        response.ratings.append(EvaluationRating(question_key=OUTCOME_KEY, outcome_index=index,
                                                 value=ratings[f"outcome_{index}"]))
    for question in questions["likert"]:
        response.ratings.append(EvaluationRating(question_key=question["key"], value=ratings[question["key"]]))
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        raise AlreadySubmitted(f"You have already submitted the {opening.stage_label.lower()} for this "
                               "course. Submitted answers are final.") from None
    if opening.stage in EvaluationStage.PAIRED:
        link_pair(response.pair_key)
    return response


def link_pair(pair_key):
    """Copy the pre-course outcome ratings onto the matching post-course ones (same delegate, same outcome).

    Pairs only form from the same pair_key, i.e. the same delegate; unpaired ratings keep pre_value null.
    """
    stages = dict(db.session.execute(select(EvaluationResponse.stage, EvaluationResponse.id).where(
        EvaluationResponse.pair_key == pair_key, EvaluationResponse.stage.in_(EvaluationStage.PAIRED))).all())
    if EvaluationStage.PRE not in stages or EvaluationStage.POST not in stages:
        return
    pre_values = dict(db.session.execute(select(EvaluationRating.outcome_index, EvaluationRating.value).where(
        EvaluationRating.response_id == stages[EvaluationStage.PRE], EvaluationRating.question_key == OUTCOME_KEY)).all())
    for rating in db.session.scalars(select(EvaluationRating).where(
            EvaluationRating.response_id == stages[EvaluationStage.POST], EvaluationRating.question_key == OUTCOME_KEY)):
        rating.pre_value = pre_values.get(rating.outcome_index)
    db.session.flush()


def anonymise_evaluation_responses(user):
    """Detach a person's responses from them, keeping pre/post pairs together (for the privacy area).

    user_id becomes null and each pair_key is replaced by a random token shared by the pair.
    """
    responses = db.session.scalars(select(EvaluationResponse).where(EvaluationResponse.user_id == user.id)).all()
    tokens = {}
    for response in responses:
        tokens.setdefault(response.pair_key, f"anon:{secrets.token_hex(16)}")
        response.pair_key = tokens[response.pair_key]
        response.user_id = None
    db.session.flush()
    return len(responses)


# Who is due what --------------------------------------------------------------------------------

def _no_response(stage, booking_id=None, user_id=None, course_id=None):
    if booking_id is not None:
        cond = EvaluationResponse.booking_id == booking_id
    else:
        cond = and_(EvaluationResponse.user_id == user_id, EvaluationResponse.course_id == course_id,
                    EvaluationResponse.booking_id.is_(None))
    return ~exists().where(cond, EvaluationResponse.stage == stage)


def due_openings(at, user=None):
    """Every open, unanswered evaluation at `at` (for one user, or everyone): one SQL query per stage."""
    days = follow_up_days()
    openings = []
    booking_rules = {
        EvaluationStage.PRE: and_(Booking.status == BookingStatus.CONFIRMED, CourseSession.starts_at > at, CourseSession.status != SessionStatus.CANCELLED),
        EvaluationStage.POST: Booking.status == BookingStatus.ATTENDED,
        EvaluationStage.FOLLOW_UP: and_(Booking.status == BookingStatus.ATTENDED, CourseSession.ends_at <= at - timedelta(days=days)),
    }
    for stage, rule in booking_rules.items():
        query = (select(Booking, CourseSession).join(CourseSession, Booking.session_id == CourseSession.id)
                 .where(rule, _no_response(stage, booking_id=Booking.id)).order_by(CourseSession.starts_at, Booking.id))
        if user is not None:
            query = query.where(Booking.user_id == user.id)
        for booking, course_session in db.session.execute(query):
            openings.append(Opening(stage, course_session.course, course_session, booking,
                                    closes_at=course_session.starts_at if stage == EvaluationStage.PRE else None))
    completion_rules = {
        EvaluationStage.POST: true(),
        EvaluationStage.FOLLOW_UP: ElearningCompletion.completed_at <= at - timedelta(days=days),
    }
    for stage, rule in completion_rules.items():
        query = (select(ElearningCompletion).where(
            rule, _no_response(stage, user_id=ElearningCompletion.user_id, course_id=ElearningCompletion.course_id))
            .order_by(ElearningCompletion.completed_at, ElearningCompletion.id))
        if user is not None:
            query = query.where(ElearningCompletion.user_id == user.id)
        for completion in db.session.scalars(query):
            openings.append(Opening(stage, completion.course, completion=completion))
    return openings


def opening_url(opening, _external=False):
    if opening.booking is not None:
        return url_for("evaluations.booking_evaluation", booking_id=opening.booking.id, stage=opening.stage,
                       _external=_external)
    return url_for("evaluations.elearning_evaluation", course_id=opening.course.id, stage=opening.stage,
                   _external=_external)


def outstanding_evaluations(user, at=None):
    """Open, unanswered evaluations for the My training page.

    Each item has .stage, .stage_label, .course_title, .session (or None), .url and .closes_at
    (None when the stage has no deadline). Needs a request context (for the URLs).
    """
    from .. import clock
    items = due_openings(at or clock.now(), user)
    for item in items:
        item.url = opening_url(item)
    return items


def _delegate_of(opening):
    return opening.booking.user if opening.booking is not None else opening.completion.user


def _keys(opening):
    ref = opening.booking.id if opening.booking is not None else f"elearning:{opening.completion.id}"
    return f"eval-invite:{opening.stage}:{ref}", f"eval-reminder:{opening.stage}:{ref}"


def send_evaluation_invitations(at, link):
    """Queue an invitation for every open, unanswered evaluation, and one reminder 7 days later.

    Idempotent: each email has a dedupe key, so running again never sends a duplicate.
    `link(opening)` returns the absolute URL of the form. Returns (invitations, reminders).
    """
    openings = due_openings(at)
    keys = [key for opening in openings for key in _keys(opening)]
    sent = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        sent.update(db.session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.created_at).where(OutboxMessage.dedupe_key.in_(chunk))
        ).all())
    invitations = reminders = 0
    for opening in openings:
        invite_key, reminder_key = _keys(opening)
        delegate = _delegate_of(opening)
        if delegate is None or delegate.closed_at is not None:
            continue
        context = dict(delegate=delegate, opening=opening, url=link(opening))
        if invite_key not in sent:
            queue_email(delegate.email, "evaluation_invitation",
                        f"{opening.stage_label}: {opening.course.title}", dedupe_key=invite_key, **context)
            invitations += 1
        elif reminder_key not in sent and sent[invite_key] <= at - REMINDER_AFTER:
            queue_email(delegate.email, "evaluation_reminder",
                        f"Reminder: {opening.stage_label.lower()} for {opening.course.title}",
                        dedupe_key=reminder_key, **context)
            reminders += 1
    return invitations, reminders


def responses_of(user):
    """A delegate's own responses, newest first."""
    return db.session.scalars(
        select(EvaluationResponse).where(EvaluationResponse.user_id == user.id)
        .order_by(EvaluationResponse.submitted_at.desc(), EvaluationResponse.id.desc())
    ).all()

