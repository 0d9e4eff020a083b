"""Manager approval pages: the person's line manager on their account, and the manager's answer by
the signed link in their email (no account, no sign-in: the link is the credential)."""

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from .. import clock
from ..errors import show_error
from ..extensions import db
from . import bp
from .approval_forms import APPROVE, ApprovalForm, LineManagerForm
from .approvals import approval_is_open, approve, booking_for_approval_token, decline, set_manager
from .errors import BookingError


def _local_next() -> str | None:
    """The ?next= path to go back to (the session being booked), if it is a path on this site."""
    from ..auth.routes import safe_next

    return safe_next(request.args.get("next"))


@bp.route("/account/line-manager", methods=["GET", "POST"])
@login_required
def line_manager() -> ResponseReturnValue:
    """The person names their line manager (courses that ask for approval email them)."""
    person = current_user._get_current_object()
    form = LineManagerForm()
    if request.method == "GET":
        form.manager_name.data, form.manager_email.data = person.manager_name, person.manager_email
    if form.validate_on_submit():
        changed = set_manager(person, person, form.manager_name.data, form.manager_email.data)
        db.session.commit()
        if changed:
            flash("Your line manager has been saved.", "success")
        return redirect(_local_next() or url_for("auth.account"))
    return render_template("bookings/line_manager.html", form=form, next_path=_local_next())


@bp.route("/approvals/<token>", methods=["GET", "POST"])
def manager_approval(token: str) -> ResponseReturnValue:
    """The page the manager's email links to: the booking, and approve or decline (with a reason)."""
    booking = booking_for_approval_token(token)
    if booking is None:
        return render_template("bookings/manager_approval.html", booking=None, form=None), 404
    form = ApprovalForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == APPROVE:
                approve(booking)
                message = f"Thank you. You approved {booking.user.name}'s place, and we have told them."
            else:
                decline(booking, form.reason.data)
                message = f"Thank you. You declined {booking.user.name}'s booking, and we have told them why."
            db.session.commit()
            flash(message, "success")
        except BookingError as error:
            db.session.rollback()
            show_error(error)
        return redirect(url_for("bookings.manager_approval", token=token))
    is_open = approval_is_open(booking, clock.now())
    return render_template("bookings/manager_approval.html", booking=booking, form=form, open=is_open)
