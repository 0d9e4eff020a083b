from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from ..forms import PasswordRules, no_bidi_controls, no_control_characters, strip_filter

# The organisation choice that means "I will name it": not an id, so never mistaken for one.
ORGANISATION_NOT_LISTED = "not_listed"


class SignInForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired("Enter your email address"), Length(max=320), no_control_characters],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=200), no_control_characters],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ProfileFields:
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter your full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    # The last choice is "My organisation is not listed" (ORGANISATION_NOT_LISTED): the person then names
    # it in the fields below, which are always shown (no script needed, see templates/auth/_profile_fields.html).
    agency_id = SelectField("Organisation", widget=GovSelect(), coerce=str, default="")
    new_organisation_name = StringField(
        "Name of your organisation",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=200, message="Name of your organisation must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    new_organisation_sector = SelectField("Sector", widget=GovSelect(), coerce=str, default="")
    new_organisation_partnership_id = SelectField("Partnership area", widget=GovSelect(), coerce=str, default="")
    job_role = StringField(
        "Job role",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter your job role"),
            Length(max=200, message="Job role must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    external_level_completed = SelectField(
        "Highest safeguarding children training level you have completed elsewhere (for example with your employer)",
        widget=GovSelect(),
        coerce=str,
        validators=[Optional()],
        choices=[SelectChoice("", "None")] + [SelectChoice(str(n), f"Level {n}") for n in (1, 2, 3)],
    )

    @property
    def names_new_organisation(self) -> bool:
        return self.agency_id.data == ORGANISATION_NOT_LISTED

    def validate_agency_id(self, field):
        if not self.names_new_organisation and not field.data:
            raise ValidationError("Select your organisation, or choose ‘My organisation is not listed’")

    def validate_new_organisation_name(self, field):
        if self.names_new_organisation and not field.data:
            raise ValidationError("Enter the name of your organisation")

    def validate_new_organisation_sector(self, field):
        if self.names_new_organisation and not field.data:
            raise ValidationError("Select your organisation's sector")


class RegisterForm(ProfileFields, FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter your email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Create a password", widget=GovPasswordInput(), validators=[InputRequired("Create a password"), PasswordRules()]
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class ProfileForm(ProfileFields, FlaskForm):
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired("Enter your email address"), Length(max=320), no_control_characters],
    )
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", widget=GovPasswordInput(), validators=[InputRequired("Enter a new password"), PasswordRules()]
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"), EqualTo("password", "Passwords must match")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button-only form: CSRF protection for simple actions."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=200), no_control_characters],
    )
    password = PasswordField(
        "New password", widget=GovPasswordInput(), validators=[InputRequired("Enter a new password"), PasswordRules()]
    )
    confirm = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Confirm your new password"), EqualTo("password", "Passwords must match")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    new_email = StringField(
        "New email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter your new email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email("Enter an email address in the correct format, like name@example.com", check_deliverability=False),
        ],
    )
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=200), no_control_characters],
    )
    submit = SubmitField("Send a confirmation link", widget=GovSubmitInput())
