"""One person, as the partnership team sees them: details, bookings, record and history; correcting
their details, deactivating and reactivating their account, resending their confirmation email.

Who may see whom is permissions.may_see_person (a partnership admin: the people of their area);
who may change whom is permissions.may_manage_person. The finding page is admin.users."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..auth.forms import ConfirmForm
from ..auth.services import agency_choices, valid_agency_id
from ..errors import show_error
from ..extensions import db
from ..models import User
from ..permissions import admin_required, may_manage_person, may_see_person, require
from . import bp
from .accounts import (
    AccountError,
    deactivate_account,
    open_future_bookings,
    reactivate_account,
    record_person_viewed,
    resend_confirmation_for,
    update_person,
)
from .people_forms import PersonDetailsForm
from .people_queries import attended, change_label, person_bookings, person_completions, person_history


def visible_person(user_id: int) -> User:
    """The open account `user_id` if the current user may see it: 404 for none or a closed one, 403
    for someone outside their area."""
    person = db.get_or_404(User, user_id)
    if person.closed_at is not None:
        abort(404)
    require(may_see_person(current_user, person))
    return person


def managed_person(user_id: int) -> User:
    person = visible_person(user_id)
    require(may_manage_person(current_user, person))
    return person


def back_to(person: User) -> ResponseReturnValue:
    return redirect(url_for("admin.person", user_id=person.id))


@bp.route("/users/<int:user_id>")
@admin_required
def person(user_id: int) -> ResponseReturnValue:
    shown = visible_person(user_id)
    bookings = person_bookings(shown)
    page = render_template(
        "admin/person.html",
        person=shown,
        bookings=bookings,
        attended=attended(bookings),
        completions=person_completions(shown),
        history=person_history(shown),
        deactivated_by=db.session.get(User, shown.deactivated_by_id) if shown.deactivated_by_id else None,
        may_manage=may_manage_person(current_user, shown),
        change_label=change_label,
        confirm_form=ConfirmForm(),
    )
    record_person_viewed(current_user, shown)
    db.session.commit()
    return page


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def person_edit(user_id: int) -> ResponseReturnValue:
    edited = managed_person(user_id)
    form = PersonDetailsForm(obj=edited if request.method == "GET" else None)
    form.agency_id.choices = agency_choices()
    if request.method == "GET":
        form.agency_id.data = str(edited.agency_id or "")
    if form.validate_on_submit():
        agency_id = valid_agency_id(form.agency_id.data)
        if agency_id is None:
            form.agency_id.errors.append("Select their organisation")
        else:
            try:
                changed = update_person(current_user, edited, form.name.data, agency_id, form.job_role.data)
                db.session.commit()
            except AccountError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                flash(f"{edited.name}'s details have been saved." if changed else "No changes to save.", "success")
                return back_to(edited)
    return render_template("admin/person_edit.html", person=edited, form=form)


def _account_action(user_id: int, deactivate: bool) -> ResponseReturnValue:
    changed = managed_person(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if deactivate:
                cancelled = deactivate_account(current_user, changed)
            else:
                reactivate_account(current_user, changed)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            show_error(error)
            return back_to(changed)
        if deactivate:
            bookings = f"{len(cancelled)} future {'booking' if len(cancelled) == 1 else 'bookings'}"
            flash(
                f"{changed.name}'s account has been deactivated"
                + (f" and {bookings} cancelled." if cancelled else "."),
                "success",
            )
        else:
            flash(f"{changed.name}'s account has been reactivated. They can sign in again.", "success")
        return back_to(changed)
    return render_template(
        "admin/person_deactivate.html" if deactivate else "admin/person_reactivate.html",
        person=changed,
        form=form,
        future=open_future_bookings(changed) if deactivate else [],
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def person_deactivate(user_id: int) -> ResponseReturnValue:
    return _account_action(user_id, deactivate=True)


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@admin_required
def person_reactivate(user_id: int) -> ResponseReturnValue:
    return _account_action(user_id, deactivate=False)


@bp.route("/users/<int:user_id>/resend-confirmation", methods=["POST"])
@admin_required
def person_resend_confirmation(user_id: int) -> ResponseReturnValue:
    recipient = managed_person(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            resend_confirmation_for(current_user, recipient)
            db.session.commit()
        except AccountError as error:
            db.session.rollback()
            show_error(error)
        else:
            flash(f"A new confirmation link has been sent to {recipient.email}.", "success")
    return back_to(recipient)
