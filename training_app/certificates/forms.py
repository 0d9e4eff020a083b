"""Forms of the certificate pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..forms import strip_filter


class VerifyForm(FlaskForm):
    """The public check: a GET form (a code is not a secret once printed, and GET keeps the result
    page linkable), so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        "Verification code",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter the verification code printed on the certificate"),
            Length(max=60, message="Enter the verification code printed on the certificate"),
        ],
    )
    submit = SubmitField("Check certificate", widget=GovSubmitInput())


class ReissueForm(FlaskForm):
    """Re-issue after a correction: a button (the CSRF token is its only field)."""
