"""Evaluation pages: delegates answer and see their own; trainers and the partnership team read summaries."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from .. import clock
from ..csvutil import csv_response
from ..errors import show_error
from ..extensions import db
from ..ids import parse_id
from ..models import Booking, Course, EvaluationStage
from ..models.evaluations import EvaluationResponse
from ..permissions import (
    can_edit_course,
    evaluation_scope_for,
    may_read_response,
    may_see_respondent_names,
    require,
    summary_roles_required,
)
from . import bp
from .due import outstanding_evaluations
from .errors import AlreadySubmitted, EvaluationError, EvaluationNotAvailable, InvalidAnswers, QuestionsChanged
from .exports import responses_csv_rows, summary_csv_rows
from .figures import build_summary, outcome_labels
from .forms import SummaryFilterForm, answer_form, answers_from, questions_form, quote_consent_from
from .queries import delegate_distance, fill_filter_choices, requested_scope
from .questions import questions_for, update_questions
from .services import (
    Opening,
    booking_opening,
    elearning_opening,
    existing_response,
    responses_of,
    submit_evaluation,
)


def _submitted_form_id(data):
    """The question version the answers were given to: 0 for the defaults (or an empty field), None when
    the hidden field holds no readable id (so the service answers "the questions have changed")."""
    return 0 if data in (None, "", "0") else parse_id(data)


def _answer(opening: Opening):
    """GET shows the questions; POST validates and saves them once (answers are final)."""
    done = existing_response(opening, current_user)
    if done is not None:
        status = 409 if request.method == "POST" else 200
        return render_template("evaluations/already_submitted.html", opening=opening, response=done), status
    form_id, questions = questions_for(opening.course, opening.stage)
    form = answer_form(questions, request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.form_id.data = str(form_id)
    if form.validate_on_submit():
        ratings, texts = answers_from(form)
        try:
            submit_evaluation(
                current_user,
                opening,
                _submitted_form_id(form.form_id.data),
                ratings,
                texts,
                clock.now(),
                quote_consent=quote_consent_from(form),
            )
        except AlreadySubmitted:
            db.session.rollback()
            return render_template("evaluations/already_submitted.html", opening=opening, response=None), 409
        except QuestionsChanged as error:
            db.session.rollback()
            form_id, questions = questions_for(opening.course, opening.stage)
            form = answer_form(questions, request.form)
            form.form_id.data = str(form_id)
            show_error(error, form)
        except InvalidAnswers as error:
            db.session.rollback()
            for answer_error in error.by_field():
                show_error(answer_error, form)
        else:
            db.session.commit()
            flash(f"Thank you. Your {opening.stage_label.lower()} has been submitted.", "success")
            return redirect(url_for("evaluations.my_evaluations"))
    return render_template("evaluations/answer.html", opening=opening, form=form, questions=questions)


def _not_available(error: EvaluationNotAvailable, opening_course: Course | None = None):
    """The 403 page that says why this evaluation cannot be answered (the reason shows as the error)."""
    show_error(error)
    return render_template("evaluations/not_available.html", course=opening_course), 403


@bp.route("/evaluations/bookings/<int:booking_id>/<stage>", methods=["GET", "POST"])
@login_required
def booking_evaluation(booking_id, stage):
    if not EvaluationStage.includes(stage):
        abort(404)
    booking = db.get_or_404(Booking, booking_id)
    require(booking.user_id == current_user.id)
    try:
        opening = booking_opening(booking, stage, clock.now())
    except EvaluationNotAvailable as error:
        return _not_available(error, booking.session.course)
    return _answer(opening)


@bp.route("/evaluations/elearning/<int:course_id>/<stage>", methods=["GET", "POST"])
@login_required
def elearning_evaluation(course_id, stage):
    if not EvaluationStage.includes(stage):
        abort(404)
    course = db.get_or_404(Course, course_id)
    try:
        opening = elearning_opening(current_user, course, stage, clock.now())
    except EvaluationNotAvailable as error:
        return _not_available(error, course)
    return _answer(opening)


@bp.route("/evaluations/mine")
@login_required
def my_evaluations():
    distance: dict[str, dict] = {}
    for title, course_id, pair_key, index, pre, post in delegate_distance(current_user.id):
        assert pre is not None  # delegate_distance returns paired ratings only
        distance.setdefault(pair_key, {"title": title, "course_id": course_id, "rows": []})["rows"].append(
            (index, pre, post, post - pre)
        )
    labels = {}
    for item in distance.values():
        if item["course_id"] not in labels:
            labels[item["course_id"]] = outcome_labels(db.session.get_one(Course, item["course_id"]))
    return render_template(
        "evaluations/mine.html",
        outstanding=outstanding_evaluations(current_user),
        responses=responses_of(current_user),
        distance=list(distance.values()),
        labels=labels,
    )


@bp.route("/evaluations/responses/<int:response_id>")
@login_required
def response_detail(response_id):
    response = db.get_or_404(EvaluationResponse, response_id)
    require(may_read_response(current_user, response))
    return render_template(
        "evaluations/response.html",
        response=response,
        questions=response.form.questions,
        values={(r.question_key, r.outcome_index): r.value for r in response.ratings},
    )


# Summaries --------------------------------------------------------------------------------------


def _filter_form():
    form = SummaryFilterForm(formdata=MultiDict(request.args) if request.args else None)
    return fill_filter_choices(form, current_user)


def _scope_for(user, form):
    """The scope the viewer asked for, narrowed by the policy to what they may see."""
    scope, course, course_session = requested_scope(form)
    return evaluation_scope_for(user, scope, course, course_session)


@bp.route("/evaluations/summary")
@summary_roles_required
def summary():
    form = _filter_form()
    if request.args:
        form.validate()
    scope = _scope_for(current_user, form)
    with_names = may_see_respondent_names(current_user)
    result = build_summary(scope, clock.now(), with_names=with_names)
    args = {k: v for k, v in request.args.items() if k != "submit"}

    def course_link(course_id):
        return url_for("evaluations.summary", **{**args, "course": course_id})

    return render_template(
        "evaluations/summary.html",
        filter_form=form,
        summary=result,
        with_names=with_names,
        csv_args=args,
        course_link=course_link,
    )


CSV_PARTS = {
    "stages": "response-rates",
    "outcomes": "distance-travelled",
    "distribution": "rating-distribution",
    "retention": "retention",
    "satisfaction": "satisfaction",
    "comments": "comments",
}


@bp.route("/evaluations/summary/<part>.csv")
@summary_roles_required
def summary_csv(part):
    if part not in CSV_PARTS:
        abort(404)
    form = _filter_form()
    form.validate()
    scope = _scope_for(current_user, form)
    result = build_summary(scope, clock.now(), with_names=False)
    return csv_response(summary_csv_rows(result, part), f"evaluation-{CSV_PARTS[part]}.csv")


@bp.route("/evaluations/responses.csv")
@summary_roles_required
def responses_csv():
    form = _filter_form()
    form.validate()
    scope = _scope_for(current_user, form)
    return csv_response(responses_csv_rows(scope), "evaluation-responses-anonymised.csv")


@bp.route("/evaluations/courses/<int:course_id>/questions", methods=["GET", "POST"])
@login_required
def edit_questions(course_id):
    course = db.get_or_404(Course, course_id)
    require(can_edit_course(current_user, course))
    _, questions = questions_for(course, EvaluationStage.POST)
    form = questions_form(questions, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        try:
            created = update_questions(
                current_user,
                course,
                [f.data for f in form.outcome_fields],
                form.min_label.data,
                form.max_label.data,
                [f.data for f in form.extra_fields],
            )
        except EvaluationError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash("The questions have been saved as a new version." if created else "Nothing changed.", "success")
            return redirect(url_for("evaluations.edit_questions", course_id=course.id))
    return render_template("evaluations/questions.html", course=course, form=form, questions=questions)
