"""Answering a waiting-list offer: by the signed link in the offer email, or on My training."""

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from .. import clock
from ..errors import show_error
from ..extensions import db
from ..models import Booking
from ..permissions import owns_booking, require
from . import bp
from .errors import BookingError
from .forms import OfferForm
from .offers import accept_offer, decline_offer, offer_is_open
from .promotion import booking_for_offer_token


def _answer(form: OfferForm, booking: Booking, via: str) -> None:
    """Accept or decline as the pressed button says; commit; flash what happened (or why not)."""
    if not (form.accept.data or form.decline.data):
        abort(400)  # a POST that pressed neither button answers nothing
    title = booking.session.course.title
    try:
        _apply(form, booking, via, title)
    except BookingError as error:
        db.session.rollback()
        show_error(error)


def _apply(form: OfferForm, booking: Booking, via: str, title: str) -> None:
    if form.accept.data:
        accept_offer(booking.user, booking, via)
        db.session.commit()
        flash(f"You have accepted the place on {title}. We have emailed you a confirmation.", "success")
    else:
        decline_offer(booking.user, booking, via)
        db.session.commit()
        flash(f"You have declined the place on {title} and left its waiting list.", "success")


@bp.route("/offers/<token>", methods=["GET", "POST"])
def offer(token: str) -> ResponseReturnValue:
    """The page the offer email links to. The signed token is the credential (as for a password reset):
    it names the booking and the offer's expiry, so a link from an earlier offer opens nothing. GET only
    shows; the buttons POST with a CSRF token."""
    booking = booking_for_offer_token(token)
    if booking is None:
        return render_template("bookings/offer.html", booking=None, form=None), 404
    form = OfferForm()
    if form.validate_on_submit():
        _answer(form, booking, "link")
        return redirect(url_for("bookings.offer", token=token))
    now = clock.now()
    return render_template("bookings/offer.html", booking=booking, form=form, open=offer_is_open(booking, now))


@bp.route("/bookings/<int:booking_id>/offer", methods=["POST"])
@login_required
def answer_offer(booking_id: int) -> ResponseReturnValue:
    """Accept or decline an offer from My training."""
    booking = db.get_or_404(Booking, booking_id)
    require(owns_booking(current_user, booking))
    form = OfferForm()
    if not form.validate_on_submit():
        abort(400)
    _answer(form, booking, "my training")
    return redirect(url_for("bookings.my_training"))
