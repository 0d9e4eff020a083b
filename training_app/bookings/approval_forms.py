"""Forms for manager approval: the person's line manager (on their account, or when booking), and the
manager's answer."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..forms import no_bidi_controls, no_control_characters, strip_filter

APPROVE, DECLINE = "approve", "decline"


def manager_name_field(required: bool) -> StringField:
    first = InputRequired("Enter your line manager's name") if required else Optional()
    return StringField(
        "Line manager's name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            first,
            Length(max=200, message="Line manager's name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )


def manager_email_field(required: bool) -> StringField:
    first = InputRequired("Enter your line manager's work email address") if required else Optional()
    return StringField(
        "Line manager's work email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            first,
            Length(max=320, message="Line manager's email address must be 320 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        ],
    )


class LineManagerForm(FlaskForm):
    """The person's line manager, on their account (both or neither)."""

    manager_name = manager_name_field(required=False)
    manager_email = manager_email_field(required=False)
    submit = SubmitField("Save line manager", widget=GovSubmitInput())

    def validate_manager_email(self, field):
        if self.manager_name.data and not field.data:
            raise ValidationError("Enter your line manager's work email address")

    def validate_manager_name(self, field):
        if self.manager_email.data and not field.data:
            raise ValidationError("Enter your line manager's name")


class ApprovalForm(FlaskForm):
    """The manager's answer: approve, or decline with a reason the delegate reads."""

    decision = RadioField(
        "Do you approve this booking?",
        widget=GovRadioInput(),
        choices=[SelectChoice(APPROVE, "Yes, approve the booking"), SelectChoice(DECLINE, "No, decline it")],
        validators=[InputRequired("Select whether you approve the booking")],
    )
    reason = TextAreaField(
        "Reason (sent to the delegate)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            Length(max=1000, message="The reason must be 1,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Send your answer", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.decision.data == DECLINE and not field.data:
            raise ValidationError("Enter the reason you are declining: the delegate will read it")
