"""Case reviews (issue 16): reviews, their numbered recommendations, and the courses (and learning
outcomes) that answer them. Partnership admins manage their partnership's reviews, system admins all
(permissions.may_manage_review); the traceability report is under /reports/reviews.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..errors import DomainError, show_error
from ..extensions import db
from ..models import Course, CourseStatus
from ..models.reviews import CaseReview, ReviewRecommendation
from ..permissions import admin_required, may_manage_review, require, reviews_condition, sees_all_partnerships
from ..reports.traceability import load_review
from . import bp
from .review_forms import (
    ConfirmDeleteForm,
    LinkCourseForm,
    RecommendationEditForm,
    RecommendationForm,
    ReviewForm,
    outcome_numbers,
)
from .review_services import (
    add_recommendation,
    create_review,
    delete_recommendation,
    delete_review,
    link_course,
    linkable_courses_condition,
    unlink_course,
    update_recommendation,
    update_review,
)
from .services import partnerships


def review_form(review: CaseReview | None = None) -> ReviewForm:
    form = ReviewForm(obj=review if request.method == "GET" else None)
    if request.method == "GET" and review is not None:
        form.visibility.data = "public" if review.public else "staff"
    if sees_all_partnerships(current_user):
        form.partnership_id.choices = [SelectChoice("", "Choose a partnership")] + [
            SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in partnerships()
        ]
    else:
        del form.partnership_id
    return form


def managed_review_or_abort(review_id: int) -> CaseReview:
    review = load_review(review_id)
    if review is None:
        abort(404)
    require(may_manage_review(current_user, review))
    return review


def recommendation_or_abort(recommendation_id: int) -> ReviewRecommendation:
    recommendation = db.get_or_404(ReviewRecommendation, recommendation_id)
    require(may_manage_review(current_user, recommendation.review))
    return recommendation


def link_form(review: CaseReview) -> LinkCourseForm:
    form = LinkCourseForm()
    courses = db.session.execute(
        select(Course.id, Course.title)
        .where(linkable_courses_condition(review), Course.status != CourseStatus.ARCHIVED)
        .order_by(Course.title, Course.id)
    ).all()
    form.course_id.choices = [SelectChoice("", "Choose a course")] + [
        SelectChoice(str(course_id), title) for course_id, title in courses
    ]
    return form


@bp.route("/reviews")
@admin_required
def reviews() -> str:
    rows = db.session.scalars(
        select(CaseReview)
        .where(reviews_condition(current_user))
        .order_by(CaseReview.published_on.desc(), CaseReview.id)
    ).all()
    return render_template("admin/reviews/index.html", reviews=rows)


@bp.route("/reviews/new", methods=["GET", "POST"])
@admin_required
def review_new() -> ResponseReturnValue:
    form = review_form()
    if form.validate_on_submit():
        try:
            review = create_review(current_user, form.values())
        except DomainError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"{review.title} has been added. Now add its recommendations.", "success")
            return redirect(url_for("admin.review", review_id=review.id))
    return render_template("admin/reviews/form.html", form=form, review=None)


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
@admin_required
def review_edit(review_id: int) -> ResponseReturnValue:
    review = managed_review_or_abort(review_id)
    form = review_form(review)
    if form.validate_on_submit():
        update_review(current_user, review, form.values())
        db.session.commit()
        flash("Your changes have been saved.", "success")
        return redirect(url_for("admin.review", review_id=review.id))
    return render_template("admin/reviews/form.html", form=form, review=review)


def render_review(
    review: CaseReview,
    recommendation_form: RecommendationForm | None = None,
    forms: dict[int, LinkCourseForm] | None = None,
) -> str:
    forms = forms or {}
    for rec in review.recommendations:
        forms.setdefault(rec.id, link_form(review))
    return render_template(
        "admin/reviews/show.html",
        review=review,
        recommendation_form=recommendation_form or RecommendationForm(formdata=None),
        link_forms=forms,
        action_form=FlaskForm(),
    )


@bp.route("/reviews/<int:review_id>")
@admin_required
def review(review_id: int) -> str:
    return render_review(managed_review_or_abort(review_id))


@bp.route("/reviews/<int:review_id>/recommendations", methods=["POST"])
@admin_required
def recommendation_add(review_id: int) -> ResponseReturnValue:
    review = managed_review_or_abort(review_id)
    form = RecommendationForm()
    if form.validate_on_submit():
        recommendation = add_recommendation(current_user, review, form.text.data or "")
        db.session.commit()
        flash(f"Recommendation {recommendation.number} has been added.", "success")
        return redirect(url_for("admin.review", review_id=review.id, _anchor=f"recommendation-{recommendation.number}"))
    return render_review(review, recommendation_form=form), 400


@bp.route("/recommendations/<int:recommendation_id>/courses", methods=["POST"])
@admin_required
def recommendation_link(recommendation_id: int) -> ResponseReturnValue:
    recommendation = recommendation_or_abort(recommendation_id)
    review = recommendation.review
    form = link_form(review)
    if form.validate_on_submit():
        try:
            link_course(
                current_user, recommendation, form.course_id.data or 0, outcome_numbers(form.outcomes.data or "")
            )
        except DomainError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"The course now answers recommendation {recommendation.number}.", "success")
            return redirect(
                url_for("admin.review", review_id=review.id, _anchor=f"recommendation-{recommendation.number}")
            )
    review = managed_review_or_abort(review.id)
    return render_review(review, forms={recommendation.id: form}), 400


@bp.route("/recommendations/<int:recommendation_id>/courses/<int:course_id>/remove", methods=["POST"])
@admin_required
def recommendation_unlink(recommendation_id: int, course_id: int) -> ResponseReturnValue:
    recommendation = recommendation_or_abort(recommendation_id)
    unlink_course(current_user, recommendation, course_id)
    db.session.commit()
    flash(f"The course no longer answers recommendation {recommendation.number}.", "success")
    return redirect(url_for("admin.review", review_id=recommendation.review_id))


@bp.route("/recommendations/<int:recommendation_id>/edit", methods=["GET", "POST"])
@admin_required
def recommendation_edit(recommendation_id: int) -> ResponseReturnValue:
    recommendation = recommendation_or_abort(recommendation_id)
    form = RecommendationEditForm(obj=recommendation if request.method == "GET" else None)
    if request.method == "GET":
        form.number.data = str(recommendation.number)
    if form.validate_on_submit():
        try:
            update_recommendation(current_user, recommendation, form.number_value, form.text.data or "")
        except DomainError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"Recommendation {recommendation.number} has been saved.", "success")
            return redirect(
                url_for(
                    "admin.review",
                    review_id=recommendation.review_id,
                    _anchor=f"recommendation-{recommendation.number}",
                )
            )
    status = 400 if form.errors else 200
    return render_template("admin/reviews/recommendation_form.html", form=form, recommendation=recommendation), status


@bp.route("/recommendations/<int:recommendation_id>/delete", methods=["GET", "POST"])
@admin_required
def recommendation_delete(recommendation_id: int) -> ResponseReturnValue:
    recommendation = recommendation_or_abort(recommendation_id)
    form = ConfirmDeleteForm()
    if form.validate_on_submit():
        review_id, number = recommendation.review_id, recommendation.number
        delete_recommendation(current_user, recommendation)
        db.session.commit()
        flash(f"Recommendation {number} has been deleted.", "success")
        return redirect(url_for("admin.review", review_id=review_id))
    return render_template(
        "admin/reviews/delete.html", form=form, review=recommendation.review, recommendations=[recommendation]
    )


@bp.route("/reviews/<int:review_id>/delete", methods=["GET", "POST"])
@admin_required
def review_delete(review_id: int) -> ResponseReturnValue:
    review = managed_review_or_abort(review_id)
    form = ConfirmDeleteForm()
    if form.validate_on_submit():
        title = review.title
        delete_review(current_user, review)
        db.session.commit()
        flash(f"{title} has been deleted.", "success")
        return redirect(url_for("admin.reviews"))
    return render_template("admin/reviews/delete.html", form=form, review=review, recommendations=None)
