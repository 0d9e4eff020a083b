"""Forms of the agency lead's pages: book a member of staff onto a session, and appoint a lead (on the
admin person page). Approving uses bookings.approval_forms.ApprovalForm, the manager's own form."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..ids import coerce_id


class BookStaffForm(FlaskForm):
    """A session for the member of staff (the view fills the choices), and their access needs."""

    session_id = SelectField(
        "Session",
        widget=GovSelect(),
        coerce=coerce_id,
        validate_choice=False,  # book_place decides: the list may have changed since the page was shown
        validators=[InputRequired("Choose a session")],
    )
    access_needs = TextAreaField(
        "Their access needs (optional)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=1000, message="Access needs must be 1,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Book the place", widget=GovSubmitInput())


class AppointLeadForm(FlaskForm):
    """The organisation a person is appointed to lead (the view offers those the admin manages)."""

    agency_id = SelectField(
        "Organisation",
        widget=GovSelect(),
        coerce=coerce_id,
        validate_choice=False,  # the view checks the organisation exists and the admin manages it
        validators=[InputRequired("Choose the organisation they will lead")],
    )
    submit = SubmitField("Appoint as training lead", widget=GovSubmitInput())
