"""The agency lead approves or declines their staff's bookings in place of the line manager: the same
operations as the manager's emailed link (bookings.approvals.approve / decline, with the lead as `by`)."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import clock
from ..bookings.approval_forms import APPROVE, ApprovalForm
from ..bookings.approvals import approval_is_open, approve, decline
from ..bookings.errors import BookingError
from ..errors import show_error
from ..extensions import db
from ..models import Booking
from ..permissions import may_lead_person, require
from . import bp
from .queries import awaiting_approval
from .routes import lead_required


@bp.route("/approvals")
@lead_required
def approvals() -> ResponseReturnValue:
    return render_template("agency/approvals.html", bookings=awaiting_approval(current_user))


@bp.route("/approvals/<int:booking_id>", methods=["GET", "POST"])
@lead_required
def approval(booking_id: int) -> ResponseReturnValue:
    booking = db.get_or_404(Booking, booking_id)
    require(may_lead_person(current_user, booking.user))
    form = ApprovalForm()
    if form.validate_on_submit():
        lead = current_user._get_current_object()
        try:
            if form.decision.data == APPROVE:
                approve(booking, by=lead)
                message = f"You approved {booking.user.name}'s place, and we have told them."
            else:
                decline(booking, form.reason.data, by=lead)
                message = f"You declined {booking.user.name}'s booking, and we have told them why."
            db.session.commit()
        except BookingError as error:
            db.session.rollback()
            show_error(error)
            return redirect(url_for("agency.approval", booking_id=booking.id))
        flash(message, "success")
        return redirect(url_for("agency.approvals"))
    return render_template(
        "agency/approval.html", booking=booking, form=form, open=approval_is_open(booking, clock.now())
    )
