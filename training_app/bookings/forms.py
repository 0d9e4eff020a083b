from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from ..forms import no_control_characters, strip_filter


class BookingForm(FlaskForm):
    access_needs = TextAreaField(
        "Access needs (optional)", widget=GovCharacterCount(), filters=[strip_filter],
        validators=[Optional(), Length(max=1000, message="Access needs must be 1,000 characters or fewer"),
                    no_control_characters],
    )
    submit = SubmitField("Book a place", widget=GovSubmitInput())
