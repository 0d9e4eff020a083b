"""Changing and removing a training requirement (system administrators: `may_manage_requirements`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ..errors import show_error
from ..extensions import db
from ..models import Course, TrainingRequirement
from ..permissions import may_manage_requirements, require
from . import bp
from .errors import RecordError
from .forms import NoDataForm, RequirementForm
from .requirements import RequirementValues, delete_requirement, requirement_reach, update_requirement
from .routes import course_choices


def _requirement_or_404(requirement_id: int) -> TrainingRequirement:
    requirement = db.session.get(TrainingRequirement, requirement_id)
    if requirement is None:
        abort(404)
    return requirement


def _choices(requirement: TrainingRequirement) -> list[SelectChoice]:
    """Published courses, and the requirement's own course even if it is no longer published."""
    choices = course_choices()
    if requirement.course is not None and str(requirement.course_id) not in {c.value for c in choices}:
        choices.append(SelectChoice(str(requirement.course_id), requirement.course.title))
    return choices


@bp.route("/records/requirements/<int:requirement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_requirement(requirement_id: int) -> ResponseReturnValue:
    require(may_manage_requirements(current_user))
    requirement = _requirement_or_404(requirement_id)
    form = RequirementForm(
        data={
            "name": requirement.name,
            "level": requirement.level,
            "course": requirement.course_id,
            "validity_months": str(requirement.validity_months or ""),
        }
    )
    form.course.choices = _choices(requirement)
    if form.validate_on_submit():
        values = RequirementValues(
            form.name.data,
            form.level.data,
            db.session.get(Course, form.course.data) if form.course.data else None,
            int(form.validity_months.data) if form.validity_months.data else None,
        )
        try:
            changed = update_requirement(current_user, requirement, values)
        except RecordError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(
                f"Saved the requirement {requirement.name}." if changed else "Nothing was changed.",
                "success",
            )
            return redirect(url_for("records.requirements_page"))
    return render_template("records/requirement_edit.html", form=form, requirement=requirement)


@bp.route("/records/requirements/<int:requirement_id>/delete", methods=["GET", "POST"])
@login_required
def delete_requirement_page(requirement_id: int) -> ResponseReturnValue:
    require(may_manage_requirements(current_user))
    requirement = _requirement_or_404(requirement_id)
    form = NoDataForm()
    if form.validate_on_submit():
        name = requirement.name
        delete_requirement(current_user, requirement)
        db.session.commit()
        flash(f"Removed the requirement {name}.", "success")
        return redirect(url_for("records.requirements_page"))
    return render_template(
        "records/requirement_delete.html", form=form, requirement=requirement, reach=requirement_reach(requirement)
    )
