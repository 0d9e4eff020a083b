from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..admin.organisation_services import OrganisationError, request_organisation
from ..errors import show_error
from ..extensions import db
from ..permissions import home_endpoint
from ..security import PASSWORD_RESET_LIMIT, REGISTER_LIMIT, SIGN_IN_LIMIT, limiter
from ..web import external_url
from . import bp
from .forms import (
    ConfirmForm,
    ForgotPasswordForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from .organisation_choice import chosen_organisation, offer_organisations
from .services import (
    AccountDeactivated,
    Registration,
    authenticate,
    confirm_email,
    register_or_notify,
    request_password_reset,
    resend_confirmation,
    reset_password,
    user_for_reset_token,
)


def safe_next(target):
    """Only redirect to paths on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    # A backslash is a slash to browsers: "/\\evil.example" would leave the site.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def confirm_url(token):
    return external_url("auth.confirm_email_page", token=token)


def reset_url(token):
    return external_url("auth.reset_password_page", token=token)


def start_session(user):
    session.clear()  # a fresh session at sign-in: nothing carried over from before
    login_user(user)


def _level(value):
    return int(value) if value in ("1", "2", "3") else None


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except AccountDeactivated as error:
            show_error(error, form)
            return render_template("auth/sign_in.html", form=form)
        if user and user.email_confirmed_at is None:
            resend_confirmation(user, confirm_url)
            db.session.commit()
            return render_template("auth/check_email.html", email=user.email, unconfirmed=True)
        if user:
            db.session.commit()
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for(home_endpoint(user)))
        form.email.errors.append("Enter a correct email address and password")
    return render_template("auth/sign_in.html", form=form)


@bp.route("/sign-out")
def sign_out():
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("catalogue.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_LIMIT, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    offer_organisations(form)
    if form.validate_on_submit():
        organisation = chosen_organisation(form)
        if organisation is not None:
            details: Registration = {
                "name": form.name.data,
                "email": form.email.data,
                "password": form.password.data,
                "agency_id": organisation.agency_id,
                "new_organisation": organisation.new_organisation,
                "job_role": form.job_role.data,
                "external_level_completed": _level(form.external_level_completed.data),
            }
            try:
                register_or_notify(
                    details,
                    confirm_url_for=confirm_url,
                    sign_in_url=external_url("auth.sign_in"),
                    reset_url=external_url("auth.forgot_password"),
                )
            except OrganisationError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                db.session.commit()
                # The same answer whether or not the address already had an account.
                return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/confirm-email/<token>")
def confirm_email_page(token):
    user = confirm_email(token)
    if user is None:
        return render_template("auth/confirm_invalid.html"), 400
    db.session.commit()
    start_session(user)
    flash("Your email address is confirmed and your account is ready.", "success")
    return redirect(url_for("catalogue.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    offer_organisations(form, current_user)
    if request.method == "GET":
        form.agency_id.data = str(current_user.agency_id or "")
        form.external_level_completed.data = str(current_user.external_level_completed or "")
    if form.validate_on_submit():
        organisation = chosen_organisation(form, current_user)
        if organisation is not None:
            try:
                if organisation.new_organisation is not None:
                    organisation.agency_id = request_organisation(current_user, **organisation.new_organisation).id
            except OrganisationError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                current_user.name = form.name.data
                current_user.agency_id = organisation.agency_id
                current_user.job_role = form.job_role.data
                current_user.external_level_completed = _level(form.external_level_completed.data)
                db.session.commit()
                flash("Your details have been saved.", "success")
                # From a session page's "record it on your account": back to that session to book.
                return redirect(safe_next(request.args.get("next")) or url_for("auth.account"))
    return render_template("auth/account.html", form=form, confirm_form=ConfirmForm())


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    form = ConfirmForm()
    if form.validate_on_submit():
        current_user.session_version += 1
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have been signed out on every device.", "success")
    return redirect(url_for("auth.sign_in"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(PASSWORD_RESET_LIMIT, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_password_reset(form.email.data, reset_url)
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(PASSWORD_RESET_LIMIT, methods=["POST"])
def reset_password_page(token):
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        reset_password(user, form.password.data)
        db.session.commit()
        flash("Your password has been changed. Sign in with your new password.", "success")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/reset_password.html", form=form)
