"""Forms of the training record: training done elsewhere, the e-learning import, requirements."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..forms import no_bidi_controls, no_control_characters, parse_date, strip_filter
from ..ids import coerce_id

EARLIEST = date(1990, 1, 1)
LEVEL_CHOICES = [SelectChoice("", "Not a safeguarding level, or not known")] + [
    SelectChoice(str(n), f"Level {n}") for n in range(1, 7)
]


def _level(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


class ExternalTrainingForm(FlaskForm):
    title = StringField(
        "Course name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the name of the course"),
            Length(max=200, message="Course name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    provider = StringField(
        "Provider (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=200, message="Provider must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    completed_on = StringField(
        "Date you completed it",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[InputRequired("Enter the date you completed it, like 27/3/2026"), Length(max=20)],
    )
    level = SelectField("Safeguarding level", widget=GovSelect(), choices=LEVEL_CHOICES, coerce=_level)
    hours = StringField(
        "Hours (optional)", widget=GovTextInput(), filters=[strip_filter], validators=[Optional(), Length(max=10)]
    )
    course = SelectField("The same as one of our courses (optional)", widget=GovSelect(), coerce=coerce_id)
    certificate = FileField("Certificate (optional): a PDF, PNG or JPEG file", widget=GovFileInput())
    submit = SubmitField("Add to my record", widget=GovSubmitInput())

    def validate_completed_on(self, field: StringField) -> None:
        day = parse_date(field.data)
        if day is None:
            raise ValidationError("Enter the date you completed it, like 27/3/2026")
        if day < EARLIEST:
            raise ValidationError("The date you completed it must be in 1990 or later")

    def validate_hours(self, field: StringField) -> None:
        try:
            hours = float(field.data)
        except (TypeError, ValueError):
            raise ValidationError("Enter the hours as a number, like 3.5") from None
        if not 0 < hours <= 1000:
            raise ValidationError("Hours must be more than 0 and no more than 1,000")

    @property
    def completed_day(self) -> date:
        day = parse_date(self.completed_on.data)
        assert day is not None  # validated
        return day

    @property
    def hours_value(self) -> float | None:
        return round(float(self.hours.data), 2) if self.hours.data else None


class ImportElearningForm(FlaskForm):
    file = FileField("CSV file from the e-learning platform", widget=GovFileInput())
    check = SubmitField("Check the file (nothing is saved)", widget=GovSubmitInput())
    save = SubmitField("Import", widget=GovSubmitInput())

    def validate_file(self, field: FileField) -> None:
        if not field.data or not getattr(field.data, "filename", ""):
            raise ValidationError("Choose the CSV file to import")


class RequirementForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a name, like Level 3 safeguarding"),
            Length(max=200, message="Name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    level = SelectField("Met by a safeguarding level", widget=GovSelect(), choices=LEVEL_CHOICES, coerce=_level)
    course = SelectField("Or met by one course", widget=GovSelect(), coerce=coerce_id)
    validity_months = StringField(
        "Valid for (months; leave empty if it never needs renewing)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=4)],
    )
    submit = SubmitField("Add requirement", widget=GovSubmitInput())

    def validate_validity_months(self, field: StringField) -> None:
        if not field.data.isdigit() or not 1 <= int(field.data) <= 240:
            raise ValidationError("Valid for must be a whole number of months from 1 to 240")

    def validate_course(self, field: SelectField) -> None:
        if (self.level.data is None) == (field.data is None):
            raise ValidationError("Choose either a level or a course")


class NoDataForm(FlaskForm):
    """A POST with only its CSRF token (verify)."""
