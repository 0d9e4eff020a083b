"""Asking to be told when a course has dates, and stopping."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..errors import show_error
from ..extensions import db
from ..models import Course
from . import bp
from .services import InterestError, register_interest, withdraw_interest


def _course_page(course: Course):
    return redirect(url_for("catalogue.course", slug=course.slug) + "#interest")


@bp.route("/courses/<int:course_id>/interest", methods=["POST"])
@login_required
def register(course_id):
    course = db.get_or_404(Course, course_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        register_interest(current_user, course)
        db.session.commit()
    except InterestError as error:
        db.session.rollback()
        show_error(error)
        return _course_page(course)
    flash(f"We will email you when {course.title} has dates. You can book before booking opens to everyone.", "success")
    return _course_page(course)


@bp.route("/courses/<int:course_id>/interest/stop", methods=["POST"])
@login_required
def withdraw(course_id):
    course = db.get_or_404(Course, course_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    withdraw_interest(current_user, course)
    db.session.commit()
    flash(f"We will not email you about dates for {course.title}.", "success")
    return _course_page(course)
