"""The page a delegate reaches from the "please tell us why you did not attend" email: the signed link
is the credential (as for an offer), so no sign-in is needed."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..errors import show_error
from ..extensions import db
from ..forms import no_bidi_controls, no_control_characters, strip_filter
from . import bp
from .non_attendance import MAX_REASON, ReasonNotWanted, booking_for_reason_token, give_reason


class NoShowReasonForm(FlaskForm):
    reason = TextAreaField(
        "Why could you not attend?",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            InputRequired("Tell us why you could not attend"),
            Length(max=MAX_REASON, message="Your reason must be 1,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Send", widget=GovSubmitInput())


@bp.route("/no-show/<token>", methods=["GET", "POST"])
def no_show_reason(token: str) -> ResponseReturnValue:
    booking = booking_for_reason_token(token)
    if booking is None:
        return render_template("bookings/no_show_reason.html", booking=None, form=None), 404
    form = NoShowReasonForm()
    if form.validate_on_submit():
        try:
            give_reason(booking, form.reason.data)
        except ReasonNotWanted as error:
            db.session.rollback()
            show_error(error)
        else:
            db.session.commit()
            flash("Thank you. The training team will read your reason.", "success")
        return redirect(url_for("bookings.no_show_reason", token=token))
    return render_template("bookings/no_show_reason.html", booking=booking, form=form)
