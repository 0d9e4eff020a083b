"""The form a trained trainer fills in for each piece of onward delivery."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from ..forms import no_control_characters, parse_date, strip_filter


def a_date(form: FlaskForm, field: StringField) -> None:
    if parse_date(field.data) is None:
        raise ValidationError("Enter the date as day/month/year, like 27/3/2027")


class OnwardDeliveryForm(FlaskForm):
    delivered_on = StringField(
        "Date you ran it (or the first of them)",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, 27/3/2027",
        validators=[InputRequired("Enter the date you ran the training"), a_date],
    )
    sessions_run = IntegerField(
        "Sessions you ran",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the number of sessions as a whole number, like 2"),
            NumberRange(min=1, max=500, message="Sessions must be between 1 and 500"),
        ],
    )
    people_reached = IntegerField(
        "People who attended",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the number of people as a whole number, like 25"),
            NumberRange(min=0, max=100_000, message="People must be between 0 and 100,000"),
        ],
    )
    organisation = StringField(
        "Organisation or team you trained",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the organisation or team you trained"),
            Length(max=200, message="The organisation must be 200 characters or fewer"),
            no_control_characters,
        ],
    )
    submit = SubmitField("Record this training", widget=GovSubmitInput())
