"""Appointing agency training leads, from the person's page: the organisations they lead, appoint them
to another, remove one. Partnership admins for the organisations of their area, system admins for any
(permissions.may_appoint_lead); the rules and the audit trail are agency.appointments."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..agency.appointments import (
    AppointmentError,
    appoint_lead,
    appointable_agencies,
    appointments_of,
    remove_lead,
)
from ..agency.forms import AppointLeadForm
from ..auth.forms import ConfirmForm
from ..errors import show_error
from ..extensions import db
from ..models import Agency
from ..permissions import LEAD_CANDIDATE_ROLES, admin_required, may_appoint_lead, may_manage_person, require
from . import bp
from .people import visible_person


@bp.route("/users/<int:user_id>/lead", methods=["GET", "POST"])
@admin_required
def person_lead(user_id: int) -> ResponseReturnValue:
    person = visible_person(user_id)
    require(may_manage_person(current_user, person))
    agencies = appointable_agencies(current_user)
    form = AppointLeadForm(agency_id=str(person.agency_id or ""))
    form.agency_id.choices = [SelectChoice("", "Choose an organisation")] + [
        SelectChoice(str(a.id), a.label) for a in agencies
    ]
    if form.validate_on_submit():
        agency = db.session.get(Agency, form.agency_id.data) if form.agency_id.data else None
        if agency is None:
            form.agency_id.errors.append("Choose the organisation they will lead")
        else:
            try:
                appoint_lead(current_user, person, agency)
                db.session.commit()
            except AppointmentError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                flash(f"{person.name} now leads training for {agency.name}.", "success")
                return redirect(url_for("admin.person_lead", user_id=person.id))
    return render_template(
        "admin/person_lead.html",
        person=person,
        form=form,
        appointments=appointments_of(person),
        may_remove=lambda agency: may_appoint_lead(current_user, person, agency),
        candidate=person.role in LEAD_CANDIDATE_ROLES,
        confirm_form=ConfirmForm(),
    )


@bp.route("/users/<int:user_id>/lead/<int:agency_id>/remove", methods=["POST"])
@admin_required
def person_lead_remove(user_id: int, agency_id: int) -> ResponseReturnValue:
    person = visible_person(user_id)
    agency = db.get_or_404(Agency, agency_id)
    require(may_appoint_lead(current_user, person, agency))
    if ConfirmForm().validate_on_submit():
        try:
            still_leads = remove_lead(current_user, person, agency)
            db.session.commit()
        except AppointmentError as error:
            db.session.rollback()
            show_error(error)
        else:
            flash(
                f"{person.name} no longer leads training for {agency.name}"
                + ("." if still_leads else ", and is a practitioner again."),
                "success",
            )
    return redirect(url_for("admin.person_lead", user_id=person.id))
