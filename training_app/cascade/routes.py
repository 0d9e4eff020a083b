"""The page where a trained trainer records the training they have run (from My training)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..errors import show_error
from ..extensions import db
from ..forms import parse_date
from ..models import Booking
from ..permissions import owns_booking, require
from . import bp
from .forms import OnwardDeliveryForm
from .services import CascadeError, deliveries_for, may_record_cascade, record_onward_delivery


@bp.route("/my-training/<int:booking_id>/onward-delivery", methods=["GET", "POST"])
@login_required
def record(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(owns_booking(current_user, booking))
    require(may_record_cascade(booking))
    form = OnwardDeliveryForm()
    if form.validate_on_submit():
        try:
            record_onward_delivery(
                current_user,
                booking,
                parse_date(form.delivered_on.data),
                form.sessions_run.data,
                form.people_reached.data,
                form.organisation.data,
            )
            db.session.commit()
        except CascadeError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            flash("Thank you: the training you ran is recorded.", "success")
            return redirect(url_for("cascade.record", booking_id=booking.id))
    return render_template("cascade/record.html", booking=booking, form=form, deliveries=deliveries_for(booking))
