"""People and their roles: system admins appoint trainers and administrators; partnership admins
appoint and stand down trainers. Nobody changes their own role."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput
from sqlalchemy import func, or_, select
from wtforms import RadioField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..catalogue.services import escape_like
from ..constants import ADMIN_USERS_PAGE_SIZE
from ..errors import show_error
from ..extensions import db
from ..ids import coerce_id
from ..models import Role, User
from ..pagination import paginate, requested_page
from ..permissions import admin_required, assignable_roles
from . import bp
from .partnership_services import offered_partnerships
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
    query = select(User).where(User.closed_at.is_(None))
    if query_text:
        pattern = f"%{escape_like(query_text.lower())}%"
        query = query.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), func.lower(User.email).like(pattern, escape="\\"))
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = paginate(total, ADMIN_USERS_PAGE_SIZE, requested_page())
    people = db.session.scalars(query.order_by(User.name, User.id).limit(pages.per_page).offset(pages.offset)).all()

    def page_url(number: int) -> str:
        return url_for("admin.users", q=query_text or None, page=number)

    return render_template(
        "admin/users.html", people=people, page=pages.page, pages=pages.pages, page_url=page_url, q=query_text
    )


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@admin_required
def user_role(user_id: int) -> ResponseReturnValue:
    person = db.get_or_404(User, user_id)
    if person.closed_at is not None:
        abort(404)
    form = RoleForm(role=person.role, partnership_id=str(person.partnership_id or ""))
    form.role.choices = [SelectChoice(key, Role(key).label) for key in assignable_roles(current_user)]
    form.partnership_id.choices = [SelectChoice("", "Not a partnership administrator")] + [
        SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in offered_partnerships(keep=[person.partnership_id])
    ]
    if form.validate_on_submit():
        try:
            set_role(current_user, person, form.role.data, form.partnership_id.data)
            db.session.commit()
        except RoleError as error:
            db.session.rollback()
            show_error(error, form)
        else:
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
            return redirect(url_for("admin.users", q=person.email))
    return render_template("admin/user_role.html", person=person, form=form)
