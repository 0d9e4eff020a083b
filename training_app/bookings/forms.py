from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSelect, GovSubmitInput, GovTextInput
from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .. import clock
from ..forms import no_control_characters, parse_date, parse_time, strip_filter
from ..ids import coerce_id
from .approval_forms import manager_email_field, manager_name_field


class BookingForm(FlaskForm):
    access_needs = TextAreaField(
        "Access needs (optional)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=1000, message="Access needs must be 1,000 characters or fewer"),
            no_control_characters,
        ],
    )
    # Only on a course that needs the line manager's approval (templates/bookings/_session_booking.html):
    # the person's manager, filled in from their account; a change is saved to it (approvals.set_manager).
    manager_name = manager_name_field(required=False)
    manager_email = manager_email_field(required=False)
    submit = SubmitField("Book a place", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    submit = SubmitField("Yes, cancel my place", widget=GovSubmitInput())


class CancelDelegateForm(FlaskForm):
    """The team cancelling one delegate's booking: the reason is required, and the delegate reads it."""

    reason = TextAreaField(
        "Reason (sent to the delegate)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            # DataRequired, not InputRequired: it sees the stripped value, so spaces are not a reason.
            DataRequired("Enter the reason, which is sent to the delegate"),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
            no_control_characters,
        ],
    )
    submit = SubmitField("Cancel the booking and tell the delegate", widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        "Reason (sent to every delegate)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a reason for the delegates"),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
            no_control_characters,
        ],
    )
    submit = SubmitField("Cancel the session and tell delegates", widget=GovSubmitInput())


class PostponeForm(FlaskForm):
    """Postpone with an optional new date (London time); no date means "postponed, date to follow"."""

    reason = TextAreaField(
        "Reason (sent to every delegate)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a reason for the delegates"),
            Length(max=1000, message="Reason must be 1,000 characters or fewer"),
            no_control_characters,
        ],
    )
    new_date = StringField(
        "New date (optional)", widget=GovTextInput(), filters=[strip_filter], validators=[Optional(), Length(max=20)]
    )
    new_start = StringField(
        "New start time", widget=GovTextInput(), filters=[strip_filter], validators=[Optional(), Length(max=10)]
    )
    new_end = StringField(
        "New end time", widget=GovTextInput(), filters=[strip_filter], validators=[Optional(), Length(max=10)]
    )
    submit = SubmitField("Postpone and tell delegates", widget=GovSubmitInput())

    def new_times(self):
        """(starts_at, ends_at) in naive UTC, or (None, None); adds field errors and returns False if invalid."""
        if not (self.new_date.data or self.new_start.data or self.new_end.data):
            return None, None
        day = parse_date(self.new_date.data)
        start, end = parse_time(self.new_start.data), parse_time(self.new_end.data)
        if day is None:
            self.new_date.errors.append("Enter the new date like 27/3/2027")
        if start is None:
            self.new_start.errors.append("Enter the new start time like 09:30")
        if end is None:
            self.new_end.errors.append("Enter the new end time like 16:00")
        if day is None or start is None or end is None:
            return False
        if end <= start:
            self.new_end.errors.append("The end time must be after the start time")
            return False
        return (clock.from_london(datetime.combine(day, start)), clock.from_london(datetime.combine(day, end)))


class CapacityForm(FlaskForm):
    capacity = IntegerField(
        "New capacity",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the capacity as a whole number, like 30"),
            NumberRange(min=1, max=1000, message="Capacity must be between 1 and 1,000"),
        ],
    )
    submit = SubmitField("Change capacity", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    target_session = SelectField(
        "Move to session",
        widget=GovSelect(),
        coerce=coerce_id,
        validators=[DataRequired("Choose the session to move the delegate to")],
    )
    submit = SubmitField("Move delegate", widget=GovSubmitInput())


class OfferForm(FlaskForm):
    """Answer a waiting-list offer: the button pressed says which."""

    accept = SubmitField("Accept the place", widget=GovSubmitInput())
    decline = SubmitField("Decline", widget=GovSubmitInput())
