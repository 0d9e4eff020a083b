from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice, enum_choices
from wtforms.validators import Length, Optional, ValidationError

from ..forms import no_control_characters, strip_filter
from ..models import CourseFormat

PARTNERSHIP_FILTERS = [
    SelectChoice("", "All partnerships"),
    SelectChoice("HIPS", "HIPS (all four)"),
    SelectChoice("HSCP", "Hampshire (HSCP)"),
    SelectChoice("IOWSCP", "Isle of Wight (IOWSCP)"),
    SelectChoice("PSCP", "Portsmouth (PSCP)"),
    SelectChoice("SSCP", "Southampton (SSCP)"),
]


class CatalogueFilterForm(FlaskForm):
    """The catalogue's search and filters (a GET form, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Search",
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=200, message="Search must be 200 characters or fewer"),
            no_control_characters,
        ],
    )
    level = SelectField(
        "Level",
        choices=[SelectChoice("", "Any level")] + [SelectChoice(str(n), f"Level {n}") for n in (1, 2, 3)],
        validators=[Optional()],
        validate_choice=True,
    )
    format = SelectField(
        "Format",
        choices=[SelectChoice("", "Any format")] + enum_choices(CourseFormat, label=lambda f: f.label),
        validators=[Optional()],
    )
    partnership = SelectField("Partnership", choices=PARTNERSHIP_FILTERS, validators=[Optional()])
    # Themed suites (issue 16): the choices are the suites that hold a course (set by the view).
    suite = SelectField("Suite", choices=[SelectChoice("", "Any suite")], validators=[Optional()])
    date_from = DateField("From", validators=[Optional()], format="%Y-%m-%d")
    date_to = DateField("To", validators=[Optional()], format="%Y-%m-%d")
    has_places = BooleanField("Only show sessions with places left")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("The 'to' date must be the same as or after the 'from' date")

    def cleaned(self):
        """Valid filters only: an invalid one is reported on the page and ignored."""
        values = {}
        for name in ("q", "level", "format", "partnership", "suite", "date_from", "date_to", "has_places"):
            field = getattr(self, name)
            if not field.errors and field.data not in (None, "", False):
                values[name] = field.data
        if "level" in values:
            values["level"] = int(values["level"])
        if "suite" in values:
            values["suite"] = int(values["suite"])
        return values
