"""Forms of the People pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ..forms import no_bidi_controls, no_control_characters, strip_filter


class PersonDetailsForm(FlaskForm):
    """What an administrator may correct about someone: name, organisation and job role."""

    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter their full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    agency_id = SelectField(
        "Organisation",
        widget=GovSelect(),
        coerce=str,
        validate_choice=False,  # the view checks the organisation exists (auth.services.valid_agency_id)
        validators=[InputRequired("Select their organisation")],
    )
    job_role = StringField(
        "Job role",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter their job role"),
            Length(max=200, message="Job role must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())
