"""Themed suites (issue 16): the pages where administrators name sets of courses."""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..errors import DomainError, show_error
from ..extensions import db
from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models.reviews import CourseSuite
from ..permissions import admin_required, may_manage_suite, own_partnership, require, sees_all_partnerships
from . import bp
from .fields import IdCheckboxes, IdSelect
from .services import partnerships
from .suite_services import course_choices, managed_suites, save_suite


class SuiteForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter a name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    description = TextAreaField(
        "Description",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[Length(max=2000, message="Description must be 2,000 characters or fewer"), no_control_characters],
    )
    partnership_id = IdSelect("Managed by", widget=GovSelect(), validators=[Optional()], validate_choice=True)
    course_ids = IdCheckboxes("Courses", widget=GovCheckboxesInput(), validate_choice=True)
    submit = SubmitField("Save suite", widget=GovSubmitInput())

    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": self.name.data,
            "description": self.description.data,
            "course_ids": self.course_ids.data or [],
        }
        if "partnership_id" in self:
            values["partnership_id"] = self.partnership_id.data or None
        return values


def suite_form(suite: CourseSuite | None = None) -> SuiteForm:
    form = SuiteForm(obj=suite if request.method == "GET" else None)
    if request.method == "GET" and suite is not None:
        form.course_ids.data = [course.id for course in suite.courses]
    if sees_all_partnerships(current_user):
        form.partnership_id.choices = [SelectChoice("", "All four partnerships (HIPS-wide)")] + [
            SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in partnerships()
        ]
        choices = course_choices(None)  # save_suite checks them against the suite's partnership
    else:
        del form.partnership_id
        choices = course_choices(own_partnership(current_user))
    form.course_ids.choices = [SelectChoice(str(course_id), title) for course_id, title in choices]
    return form


def managed_suite_or_abort(suite_id: int) -> CourseSuite:
    suite = db.get_or_404(CourseSuite, suite_id)
    require(may_manage_suite(current_user, suite))
    return suite


@bp.route("/suites")
@admin_required
def suites() -> str:
    return render_template("admin/suites/index.html", suites=managed_suites(current_user))


def _save(suite: CourseSuite | None) -> ResponseReturnValue:
    form = suite_form(suite)
    if form.validate_on_submit():
        try:
            saved = save_suite(current_user, suite, form.values())
        except DomainError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"{saved.name} has been saved.", "success")
            return redirect(url_for("admin.suites"))
    return render_template("admin/suites/form.html", form=form, suite=suite)


@bp.route("/suites/new", methods=["GET", "POST"])
@admin_required
def suite_new() -> ResponseReturnValue:
    return _save(None)


@bp.route("/suites/<int:suite_id>/edit", methods=["GET", "POST"])
@admin_required
def suite_edit(suite_id: int) -> ResponseReturnValue:
    return _save(managed_suite_or_abort(suite_id))
