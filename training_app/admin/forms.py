"""Forms of the administration area: courses and their sessions.

Dates and times are entered in London time; the views convert them with clock.from_london.
Every field parses its own input and reports a message a person can act on, so odd or missing
POST keys re-render the form with an error summary instead of raising.
"""
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxesInput, GovCheckboxInput, GovDateInput, GovRadioInput,
                                                GovSelect, GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import (BooleanField, Field, RadioField, SelectField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice, enum_choices
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, StopValidation, ValidationError

from ..ids import coerce_id
from ..forms import no_bidi_controls, no_control_characters, parse_time, strip_filter
from ..models import CourseFormat, CourseStatus, LevelKind

LEVEL_CHOICES = [SelectChoice("", "No level")] + [SelectChoice(str(n), f"Level {n}") for n in (1, 2, 3)]
LEVEL_KIND_CHOICES = [SelectChoice("", "No level")] + enum_choices(LevelKind, label=lambda kind: kind.describe("N"))
FORMAT_CHOICES = [SelectChoice("", "Choose a format")] + enum_choices(CourseFormat, label=lambda f: f.label)
PREREQUISITE_LEVEL_CHOICES = [SelectChoice("", "None")] + [SelectChoice(str(n), f"Level {n} completed")
                                                           for n in (1, 2, 3)]
COURSE_STATUS_CHOICES = [SelectChoice(CourseStatus.DRAFT.value, "Draft: only administrators can see it"),
                         SelectChoice(CourseStatus.PUBLISHED.value, "Published: listed in the catalogue")]
MAX_OUTCOMES = 30


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
        missing = [name for name, value in zip(("day", "month", "year"), values) if not value]
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
            if self.data in (None, "", []) and any(isinstance(v, (DataRequired, InputRequired, Required)) for v in self.validators):
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


class CourseForm(FlaskForm):
    title = StringField("Title", widget=GovTextInput(), filters=[strip_filter],
                        validators=[DataRequired("Enter a title"),
                                    Length(max=200, message="Title must be 200 characters or fewer"),
                                    no_control_characters, no_bidi_controls])
    slug = StringField("Web address name (slug)", widget=GovTextInput(), filters=[strip_filter],
                       validators=[Optional(), Length(max=220, message="Slug must be 220 characters or fewer"),
                                   Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                                          message="Slug must only include lower case letters a to z, numbers and "
                                                  "single hyphens, like working-together-level-3")])
    summary = TextAreaField("Summary", widget=GovTextArea(), filters=[strip_filter],
                            validators=[Length(max=5000, message="Summary must be 5,000 characters or fewer"),
                                        no_control_characters, no_bidi_controls])
    learning_outcomes = TextAreaField("Learning outcomes", widget=GovTextArea(), filters=[strip_filter],
                                      validators=[Length(max=20000, message="Learning outcomes must be 20,000 "
                                                                            "characters or fewer"),
                                                  no_control_characters, no_bidi_controls])
    level = Select("Level", widget=GovSelect(), choices=LEVEL_CHOICES,
                        validate_choice=True)
    level_kind = Select("Kind of level", widget=GovSelect(), choices=LEVEL_KIND_CHOICES,
                             validate_choice=True)
    format = Select("Format", widget=GovSelect(), choices=FORMAT_CHOICES,
                         validators=[InputRequired("Select a format")], validate_choice=True)
    audience = StringField("Who it is for", widget=GovTextInput(), filters=[strip_filter],
                           validators=[Length(max=500, message="Who it is for must be 500 characters or fewer"),
                                       no_control_characters, no_bidi_controls])
    duration_minutes = WholeNumberField("Duration in minutes", minimum=1, maximum=10000, example="180")
    prerequisite_text = TextAreaField("Prerequisites", widget=GovTextArea(), filters=[strip_filter],
                                      validators=[Length(max=2000, message="Prerequisites must be 2,000 "
                                                                           "characters or fewer"),
                                                  no_control_characters, no_bidi_controls])
    prerequisite_min_level = Select("Level delegates must have completed before booking", widget=GovSelect(),
                                         choices=PREREQUISITE_LEVEL_CHOICES, validate_choice=True)
    pre_course_work = StringField("Pre-course work", widget=GovTextInput(), filters=[strip_filter],
                                  validators=[Length(max=500, message="Pre-course work must be 500 characters "
                                                                      "or fewer"),
                                              no_control_characters, no_bidi_controls])
    owner_partnership_id = IdSelect("Partnership that runs the course", widget=GovSelect(),
                                       validators=[InputRequired("Select the partnership that runs the course")],
                                       validate_choice=True)
    is_hips = BooleanField("This is a HIPS course, run jointly by all four partnerships", widget=GovCheckboxInput(),
                           description="HIPS courses are shown under every partnership in the catalogue")
    joint_partnership_ids = IdCheckboxes("Also run with", widget=GovCheckboxesInput(),
                                       validate_choice=True,
                                       description="Other partnerships that run this course jointly")
    elearning_url = StringField("E-learning link", widget=GovTextInput(), filters=[strip_filter],
                                validators=[Length(max=500, message="E-learning link must be 500 characters or "
                                                                    "fewer"),
                                            no_control_characters, https_url])
    status = Radio("Status", widget=GovRadioInput(), choices=COURSE_STATUS_CHOICES, default=CourseStatus.DRAFT.value,
                   description="You can change this later",
                        validators=[InputRequired("Select draft or published")], validate_choice=True)
    submit = SubmitField("Save course", widget=GovSubmitInput())

    def validate_level_kind(self, field):
        if bool(self.level.data) != bool(field.data):
            if self.level.data:
                raise ValidationError("Select the kind of level, or set the level to No level")
            raise ValidationError("Select a level for this kind of level, or set the kind to No level")

    def validate_learning_outcomes(self, field):
        outcomes = self.outcome_list()
        if len(outcomes) > MAX_OUTCOMES:
            raise ValidationError(f"Enter {MAX_OUTCOMES} learning outcomes or fewer")
        if any(len(outcome) > 500 for outcome in outcomes):
            raise ValidationError("Each learning outcome must be 500 characters or fewer")

    def validate_elearning_url(self, field):
        if self.format.data == CourseFormat.ELEARNING and not field.data:
            raise ValidationError("Enter the e-learning link (an e-learning course needs one)")

    def outcome_list(self):
        """The learning outcomes, one per non-blank line, in the order typed."""
        return [line.strip() for line in (self.learning_outcomes.data or "").splitlines() if line.strip()]

    def values(self):
        """The course's new values, as the service takes them."""
        def number(text):
            return int(text) if text else None

        values = {
            "title": self.title.data,
            "slug": self.slug.data or None,
            "summary": self.summary.data,
            "learning_outcomes": self.outcome_list(),
            "level": number(self.level.data),
            "level_kind": self.level_kind.data or None,
            "format": self.format.data,
            "audience": self.audience.data or None,
            "duration_minutes": self.duration_minutes.data,
            "prerequisite_text": self.prerequisite_text.data or None,
            "prerequisite_min_level": number(self.prerequisite_min_level.data),
            "pre_course_work": self.pre_course_work.data or None,
            "is_hips": bool(self.is_hips.data),
            "joint_partnership_ids": sorted(i for i in self.joint_partnership_ids.data or [] if i is not None),
            "elearning_url": self.elearning_url.data or None,
        }
        if "status" in self._fields:
            values["status"] = self.status.data
        if "owner_partnership_id" in self._fields:
            values["owner_partnership_id"] = self.owner_partnership_id.data
        return values

    def fill_from(self, course):
        """Set the fields from an existing course (GET of the edit page)."""
        self.title.data = course.title
        self.slug.data = course.slug
        self.summary.data = course.summary
        self.learning_outcomes.data = "\n".join(course.learning_outcomes or [])
        self.level.data = str(course.level) if course.level else ""
        self.level_kind.data = course.level_kind or ""
        self.format.data = course.format
        self.audience.data = course.audience or ""
        self.duration_minutes.data = course.duration_minutes
        self.prerequisite_text.data = course.prerequisite_text or ""
        self.prerequisite_min_level.data = str(course.prerequisite_min_level) if course.prerequisite_min_level else ""
        self.pre_course_work.data = course.pre_course_work or ""
        self.is_hips.data = course.is_hips
        self.joint_partnership_ids.data = [p.id for p in course.joint_partnerships]
        self.elearning_url.data = course.elearning_url or ""
        if "status" in self._fields:
            self.status.data = course.status
        if "owner_partnership_id" in self._fields:
            self.owner_partnership_id.data = course.owner_partnership_id


class SessionForm(FlaskForm):
    date = DayMonthYearField("Date", validators=[Required("Enter the date of the session")])
    start_time = TimeOfDayField("Start time", validators=[Required("Enter the start time")])
    end_time = TimeOfDayField("End time", validators=[Required("Enter the end time")])
    venue = StringField("Venue", widget=GovTextInput(), filters=[strip_filter],
                        validators=[Length(max=300, message="Venue must be 300 characters or fewer"),
                                    no_control_characters, no_bidi_controls])
    online_platform = StringField("Online platform", widget=GovTextInput(), filters=[strip_filter],
                                  validators=[Length(max=100, message="Online platform must be 100 characters or "
                                                                      "fewer"),
                                              no_control_characters, no_bidi_controls])
    join_url = StringField("Joining link", widget=GovTextInput(), filters=[strip_filter],
                           validators=[Length(max=500, message="Joining link must be 500 characters or fewer"),
                                       no_control_characters, https_url])
    capacity = WholeNumberField("Capacity", validators=[Required("Enter the number of places")],
                                minimum=1, maximum=1000, example="20")
    trainer_ids = IdCheckboxes("Trainers", widget=GovCheckboxesInput(), validate_choice=True,
                             description="Everyone who will deliver this session. They see its register.")
    opens_date = DayMonthYearField("Date booking opens")
    opens_time = TimeOfDayField("Time booking opens")
    closes_date = DayMonthYearField("Date booking closes")
    closes_time = TimeOfDayField("Time booking closes")
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("End time must be after the start time")

    def validate_venue(self, field):
        if not field.data and not self.online_platform.data:
            raise ValidationError("Enter a venue, or an online platform for an online session")

    def validate_join_url(self, field):
        if field.data and not self.online_platform.data:
            raise ValidationError("Enter the online platform for this joining link, or remove the link")

    def validate_opens_date(self, field):
        if self.opens_time.data and field.data is None and not field.errors:
            raise ValidationError("Enter the date booking opens")

    def validate_opens_time(self, field):
        if self.opens_date.data and field.data is None and not field.errors:
            raise ValidationError("Enter the time booking opens, like 09:00")

    def validate_closes_date(self, field):
        if self.closes_time.data and field.data is None and not field.errors:
            raise ValidationError("Enter the date booking closes")

    def validate_closes_time(self, field):
        if self.closes_date.data and field.data is None and not field.errors:
            raise ValidationError("Enter the time booking closes, like 17:00")

    def fill_from(self, course_session, to_london):
        starts, ends = to_london(course_session.starts_at), to_london(course_session.ends_at)
        self.date.data = starts.date()
        self.start_time.data = starts.time()
        self.end_time.data = ends.time()
        self.venue.data = course_session.venue or ""
        self.online_platform.data = course_session.online_platform or ""
        self.join_url.data = course_session.join_url or ""
        self.capacity.data = course_session.capacity
        self.trainer_ids.data = [t.id for t in course_session.trainers]
        for prefix, moment in (("opens", course_session.booking_opens_at), ("closes", course_session.booking_closes_at)):
            if moment:
                local = to_london(moment)
                getattr(self, f"{prefix}_date").data = local.date()
                getattr(self, f"{prefix}_time").data = local.time()

