"""Forms for closing an account and filtering the audit log."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..audit_text import action_label
from ..forms import strip_filter


class CloseAccountForm(FlaskForm):
    understood = BooleanField(
        "I understand that my account will be closed, my future places cancelled, and that this cannot be undone",
        widget=GovCheckboxInput(),
        validators=[DataRequired("Confirm that you understand what closing your account does")],
    )
    submit = SubmitField("Close my account", widget=GovSubmitInput())


class AuditFilterForm(FlaskForm):
    """A GET form: bad values are reported and ignored."""

    class Meta:
        csrf = False

    action = SelectField("Action", widget=GovSelect(), validators=[Optional()], validate_choice=True)
    actor = StringField(
        "Done by (email address or full name)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=320, message="Done by must be 320 characters or fewer")],
    )
    submit = SubmitField("Filter", widget=GovSubmitInput())

    def set_actions(self, actions):
        self.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a, action_label(a)) for a in actions]
