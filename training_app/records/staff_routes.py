"""Staff pages of the training record: someone else's record (audited), verifying training recorded from
elsewhere, importing e-learning completions, and the requirements people must keep current."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import record_audit
from ..csvutil import csv_response
from ..errors import show_error
from ..extensions import db
from ..models import Course, ExternalTraining, TrainingRequirement, User
from ..permissions import may_import_elearning, may_manage_requirements, may_see_record, may_verify_training, require
from . import bp
from .errors import RecordError
from .external import verify_external_training
from .forms import ImportElearningForm, NoDataForm, RequirementForm
from .importer import import_elearning
from .record import record_csv_rows, requirements, training_record
from .routes import course_choices, record_pdf_response, show_record


def _person_or_404(user_id: int) -> User:
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    require(may_see_record(current_user, person))
    return person


def _audit_view(person: User, how: str) -> None:
    """Every look at someone else's record is in the audit trail."""
    if person.id != current_user.id:
        record_audit(current_user, "record.viewed", person, how=how)
        db.session.commit()


@bp.route("/records/people/<int:user_id>")
@login_required
def person_record(user_id: int) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    printable = request.args.get("print") == "1"
    _audit_view(person, "print" if printable else "page")
    return show_record(person, printable, staff_view=True)


@bp.route("/records/people/<int:user_id>/record.csv")
@login_required
def person_record_csv(user_id: int) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    _audit_view(person, "csv")
    record = training_record(person)
    return csv_response(record_csv_rows(record), f"training-record-{person.id}-{clock.now():%Y-%m-%d}.csv")


@bp.route("/records/people/<int:user_id>/record.pdf")
@login_required
def person_record_pdf(user_id: int) -> ResponseReturnValue:
    person = _person_or_404(user_id)
    _audit_view(person, "pdf")
    return record_pdf_response(person, f"training-record-{person.id}-{clock.now():%Y-%m-%d}.pdf")


@bp.route("/records/external/<int:training_id>/verify", methods=["POST"])
@login_required
def verify_external(training_id: int) -> ResponseReturnValue:
    training = db.session.get(ExternalTraining, training_id)
    if training is None:
        abort(404)
    require(may_verify_training(current_user, training.user))
    if not NoDataForm().validate_on_submit():
        abort(400)
    if verify_external_training(current_user, training):
        db.session.commit()
        flash(f"{training.title} is marked as verified.", "success")
    return redirect(url_for("records.person_record", user_id=training.user_id))


@bp.route("/records/import-elearning", methods=["GET", "POST"])
@login_required
def import_elearning_page() -> ResponseReturnValue:
    require(may_import_elearning(current_user))
    form = ImportElearningForm()
    report = None
    dry_run = True
    if form.validate_on_submit():
        dry_run = not form.save.data
        try:
            report = import_elearning(current_user, form.file.data.read())
        except RecordError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
    return render_template("records/import.html", form=form, report=report, dry_run=dry_run)


@bp.route("/records/requirements", methods=["GET", "POST"])
@login_required
def requirements_page() -> ResponseReturnValue:
    require(may_manage_requirements(current_user))
    form = RequirementForm()
    form.course.choices = course_choices()
    if form.validate_on_submit():
        requirement = TrainingRequirement(
            name=form.name.data,
            level=form.level.data,
            course=db.session.get(Course, form.course.data) if form.course.data else None,
            validity_months=int(form.validity_months.data) if form.validity_months.data else None,
        )
        try:
            with db.session.begin_nested():
                db.session.add(requirement)
            record_audit(current_user, "requirement.added", requirement, name=requirement.name)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            show_error(RecordError("There is already a requirement with this name", field="name"), form)
        else:
            flash(f"Added the requirement {requirement.name}.", "success")
            return redirect(url_for("records.requirements_page"))
    return render_template("records/requirements.html", form=form, requirements=requirements())
