"""Form fields and validators of the administration area that read their own input.

Each field parses what was typed and reports a message a person can act on, so odd or missing POST
keys re-render the form with an error summary instead of raising.
"""

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import Field, RadioField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired, InputRequired, StopValidation, ValidationError

from ..forms import parse_time
from ..ids import coerce_id


class Required:
    """The field must have a value; a value that could not be read has its own message already."""

    field_flags = {"required": True}

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


def https_url(form, field):
    """An absolute https:// address (links are shown to delegates and put in emails)."""
    value = field.data or ""
    if not value:
        return
    parts = urlsplit(value)
    if parts.scheme.lower() != "https" or not parts.netloc or " " in value:
        raise ValidationError(f"{field.label.text} must be a full web address starting with https://")


def whole_number(text):
    """int for '12' or ' 12 ' (no signs, decimals or separators), otherwise None."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    return int(text)


class WholeNumberField(Field):
    """A number typed in a text box, with a message that says what to type."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, minimum=None, maximum=None, example="20", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.example = minimum, maximum, example

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            return
        number = whole_number(text)
        if number is None:
            raise ValueError(f"{self.label.text} must be a whole number, like {self.example}")
        self.data = number

    def pre_validate(self, form):
        if self.data is None:
            return
        if self.minimum is not None and self.data < self.minimum:
            raise ValidationError(f"{self.label.text} must be {self.minimum} or more")
        if self.maximum is not None and self.data > self.maximum:
            raise ValidationError(f"{self.label.text} must be {self.maximum} or fewer")


class DayMonthYearField(Field):
    """The GOV.UK date input: three boxes (day, month, year) posted under one name.

    Always keeps exactly three raw values so the widget can re-render whatever was posted,
    including nothing at all.
    """

    widget = GovDateInput()
    raw_data: list[str] | None

    def _value(self):
        return ""

    def process(self, formdata, data=None, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            values = list(self.raw_data or [])[:3]
            self.raw_data = [v.strip() for v in values] + [""] * (3 - len(values))
        else:
            self.raw_data = None

    def process_formdata(self, valuelist):
        self.data = None
        values = [v.strip() for v in valuelist[:3]] + [""] * (3 - len(valuelist[:3]))
        if not any(values):
            return
        missing = [name for name, value in zip(("day", "month", "year"), values, strict=False) if not value]
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and a '.join(missing)}")
        numbers = [whole_number(v) for v in values]
        if None in numbers:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027")
        day, month, year = numbers
        if year < 2000 or year > 2100:
            raise ValueError(f"{self.label.text} must have a 4-digit year, like 2027")
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2027") from None


class TimeOfDayField(Field):
    """A time typed as text, like 09:30 (24-hour) or 9:30am."""

    widget = GovTextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%H:%M") if self.data else ""

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0].strip() if valuelist else ""
        if not text:
            return
        self.data = parse_time(text)
        if self.data is None:
            raise ValueError(f"{self.label.text} must be a time, like 09:30 or 14:00")


def _choose_listed(field: Field) -> str:
    return f"Choose one of the listed options for ‘{field.label.text}’"


class Select(SelectField):
    """A select that says which choice is wrong instead of WTForms' 'Not a valid choice.'.

    Radio and Checkboxes share it (RadioField and SelectMultipleField are SelectFields)."""

    data: Any  # what `coerce` made of the chosen value(s)

    def pre_validate(self, form):
        if self.data is None and "" in [choice.value for choice in self.choices]:
            self.data = ""  # a missing key means the blank option (for example "No level")
        try:
            super().pre_validate(form)
        except ValidationError:
            if self.data in (None, "", []) and any(
                isinstance(v, (DataRequired, InputRequired, Required)) for v in self.validators
            ):
                raise StopValidation(self.validators[0].message) from None
            raise ValidationError(_choose_listed(self)) from None


class Radio(Select, RadioField):
    pass


class IdSelect(Select):
    """A select of ids: the data is an int, read by training_app.ids.coerce_id (None for the blank
    option). Text that is not an id (junk, or too big for the column) is a wrong choice, not a blank."""

    data: int | None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=coerce_id, **kwargs)

    def pre_validate(self, form):
        if self.data is None and any(value.strip() for value in self.raw_data or []):
            raise ValidationError(_choose_listed(self))
        super().pre_validate(form)


class IdCheckboxes(Select, SelectMultipleField):
    """Checkboxes of ids (ints, read by training_app.ids.coerce_id); junk matches no choice."""

    data: list[int | None] | None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, coerce=coerce_id, **kwargs)
