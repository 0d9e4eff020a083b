"""People and their roles: finding people (by name, email address or organisation, among those the
policy lets the administrator see), and appointing them. System admins appoint trainers and
administrators; partnership admins appoint and stand down trainers. Nobody changes their own role."""

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..constants import ADMIN_USERS_PAGE_SIZE
from ..errors import show_error
from ..extensions import db
from ..ids import coerce_id
from ..models import Role
from ..pagination import requested_page
from ..permissions import admin_required, assignable_roles
from . import bp
from .partnership_services import offered_partnerships
from .people import visible_person
from .people_queries import find_people
from .roles import RoleError, set_role


class RoleForm(FlaskForm):
    role = RadioField("Role", widget=GovRadioInput(), validators=[InputRequired("Choose a role")])
    partnership_id = SelectField(
        "Partnership (for partnership administrators)", widget=GovSelect(), coerce=coerce_id, validate_choice=False
    )
    submit = SubmitField("Save role", widget=GovSubmitInput())


@bp.route("/users")
@admin_required
def users() -> str:
    query_text = (request.args.get("q") or "").strip()[:200]
    people, pages = find_people(current_user, query_text, requested_page(), ADMIN_USERS_PAGE_SIZE)

    def page_url(number: int) -> str:
        return url_for("admin.users", q=query_text or None, page=number)

    return render_template(
        "admin/users.html",
        people=people,
        page=pages.page,
        pages=pages.pages,
        total=pages.total,
        page_url=page_url,
        q=query_text,
    )


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@admin_required
def user_role(user_id: int) -> ResponseReturnValue:
    person = visible_person(user_id)
    form = RoleForm(role=person.role, partnership_id=str(person.partnership_id or ""))
    form.role.choices = [SelectChoice(key, Role(key).label) for key in assignable_roles(current_user)]
    form.partnership_id.choices = [SelectChoice("", "Not a partnership administrator")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in offered_partnerships(keep=[person.partnership_id])
    ]
    if form.validate_on_submit():
        try:
            changed = set_role(current_user, person, form.role.data, form.partnership_id.data)
            db.session.commit()
        except RoleError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            if not changed:
                flash("No changes to save.", "success")
                return redirect(url_for("admin.person", user_id=person.id))
            flash(
                f"{person.name} is now: {person.role_label}"
                + (
                    f" ({person.partnership.code})"
                    if person.partnership and person.role == Role.PARTNERSHIP_ADMIN
                    else ""
                )
                + ".",
                "success",
            )
            return redirect(url_for("admin.person", user_id=person.id))
    return render_template("admin/user_role.html", person=person, form=form)
