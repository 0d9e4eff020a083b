"""Views: a person changes their own password or email address (rules in auth/changes.py)."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user

from ..errors import show_error
from ..extensions import db
from ..security import PASSWORD_RESET_LIMIT, limiter
from . import bp
from .changes import (
    AccountChangeError,
    EmailChangeLinkInvalid,
    EmailTaken,
    change_password,
    confirm_email_change,
    request_email_change,
)
from .forms import ChangeEmailForm, ChangePasswordForm


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
@limiter.limit(PASSWORD_RESET_LIMIT, methods=["POST"])
def change_password_page() -> ResponseReturnValue:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            change_password(user, form.current_password.data, form.password.data)
            db.session.commit()
        except AccountChangeError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            # Every other device is signed out (the session version changed); this one carries on.
            login_user(user)
            flash("Your password has been changed. You have been signed out on your other devices.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"], endpoint="change_email")
@login_required
@limiter.limit(PASSWORD_RESET_LIMIT, methods=["POST"])
def change_email_page() -> ResponseReturnValue:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            request_email_change(current_user, form.password.data, form.new_email.data)
            db.session.commit()
        except AccountChangeError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            return render_template("auth/email_change_sent.html", new_email=form.new_email.data)
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/email/confirm/<token>", endpoint="confirm_email_change")
def confirm_email_change_page(token: str) -> ResponseReturnValue:
    try:
        user, _old = confirm_email_change(token)
        db.session.commit()
    except (EmailChangeLinkInvalid, EmailTaken) as error:
        db.session.rollback()
        return render_template("auth/email_change_invalid.html", message=error.message), 400
    flash(f"Your email address is now {user.email}.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.account"))
    return redirect(url_for("auth.sign_in"))
