"""Forms for the training team's session tools (book on someone's behalf, email the delegates)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from ..forms import no_control_characters, strip_filter
from ..models.vocabulary import MessageAudience


class BookOnBehalfForm(FlaskForm):
    email = StringField(
        "Their email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the email address of the person's account"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )
    access_needs = TextAreaField(
        "Their access needs (optional)",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=1000, message="Access needs must be 1,000 characters or fewer"),
            no_control_characters,
        ],
    )
    submit = SubmitField("Book them on", widget=GovSubmitInput())


class SessionMessageForm(FlaskForm):
    audience = RadioField(
        "Who should get this message?",
        widget=GovRadioInput(),
        choices=[SelectChoice(audience.value, audience.label) for audience in MessageAudience],
        default=MessageAudience.PLACES.value,
        validators=[InputRequired("Choose who should get this message")],
    )
    subject = StringField(
        "Subject",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a subject"),
            Length(max=150, message="Subject must be 150 characters or fewer"),
            no_control_characters,
        ],
    )
    message = TextAreaField(
        "Message",
        widget=GovCharacterCount(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter your message"),
            Length(max=5000, message="Message must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send the message", widget=GovSubmitInput())
