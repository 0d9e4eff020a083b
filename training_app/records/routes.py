"""A person's own training record: the page, its printable version and CSV, training from elsewhere,
and certificates (for the person and the staff who may see them)."""

from __future__ import annotations

import io

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..audit import record_audit
from ..csvutil import csv_response
from ..errors import show_error
from ..extensions import db
from ..models import Course, CourseStatus, ExternalTraining
from ..pdf import html_to_pdf, pdf_response_headers
from ..permissions import may_see_record, may_verify_training, require
from . import bp
from .errors import RecordError
from .external import ExternalDetails, Upload, record_external_training
from .forms import ExternalTrainingForm
from .record import record_csv_rows, record_html, training_record
from .uploads import certificate_path


def show_record(person, printable: bool, staff_view: bool):
    if printable:
        return record_html(person)
    return render_template(
        "records/record.html",
        record=training_record(person),
        staff_view=staff_view,
        may_verify=may_verify_training(current_user, person),
    )


@bp.route("/my-record")
@login_required
def my_record():
    return show_record(current_user, request.args.get("print") == "1", staff_view=False)


@bp.route("/my-record.csv")
@login_required
def my_record_csv():
    record = training_record(current_user)
    return csv_response(record_csv_rows(record), f"training-record-{clock.now():%Y-%m-%d}.csv")


def record_pdf_response(person, filename: str) -> Response:
    """The printable record as a PDF download, made by the shared PDF library (training_app.pdf)."""
    return Response(html_to_pdf(record_html(person)), headers=pdf_response_headers(filename))


@bp.route("/my-record.pdf")
@login_required
def my_record_pdf():
    return record_pdf_response(current_user, f"training-record-{clock.now():%Y-%m-%d}.pdf")


def course_choices() -> list[SelectChoice]:
    courses = db.session.execute(
        select(Course.id, Course.title).where(Course.status == CourseStatus.PUBLISHED).order_by(Course.title)
    ).all()
    return [SelectChoice("", "None of these")] + [SelectChoice(str(cid), title) for cid, title in courses]


@bp.route("/my-record/external/new", methods=["GET", "POST"])
@login_required
def add_external():
    form = ExternalTrainingForm()
    form.course.choices = course_choices()
    if form.validate_on_submit():
        course = db.session.get(Course, form.course.data) if form.course.data else None
        upload = form.certificate.data
        certificate = Upload(upload.stream, upload.filename) if upload and upload.filename else None
        details = ExternalDetails(
            form.title.data, form.provider.data, form.completed_day, form.level.data, form.hours_value, course
        )
        try:
            record_external_training(current_user, details, certificate)
            db.session.commit()
        except RecordError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            flash(f"{details.title} is on your training record.", "success")
            return redirect(url_for("records.my_record"))
    return render_template("records/external_form.html", form=form)


@bp.route("/records/external/<int:training_id>/certificate")
@login_required
def certificate(training_id):
    training = db.session.get(ExternalTraining, training_id)
    if training is None:
        abort(404)
    require(may_see_record(current_user, training.user))
    if not training.certificate_file:
        abort(404)
    if training.user_id != current_user.id:
        record_audit(current_user, "record.certificate_viewed", training, person_id=training.user_id)
        db.session.commit()
    path = certificate_path(training.certificate_file)
    if not path.exists():
        abort(404)
    # Read whole (certificates are small, MAX_CONTENT_LENGTH at most): no file handle outlives the request.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=training.certificate_type,
        as_attachment=True,
        download_name=training.certificate_name or path.name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
