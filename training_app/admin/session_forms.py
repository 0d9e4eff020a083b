"""Forms for scheduling sessions: one session (SessionForm), and on the new-session and copy pages
the same form with a repeat (NewSessionForm: weekly or fortnightly up to a last date).

Dates and times are entered in London time; the views convert them with clock.from_london.
"""

from datetime import date, timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..forms import no_bidi_controls, no_control_characters, strip_filter
from .fields import (
    DayMonthYearField,
    IdCheckboxes,
    IdSelect,
    Radio,
    Required,
    Select,
    TimeOfDayField,
    WholeNumberField,
    https_url,
)

IN_PERSON, ONLINE = "venue", "online"
LOCATION_CHOICES = [SelectChoice(IN_PERSON, "In person at a venue"), SelectChoice(ONLINE, "Online")]
# A series: how many weeks apart, and at most how many sessions one form schedules (a school year of weeks).
ONCE, SERIES = "once", "series"
REPEAT_CHOICES = [SelectChoice(ONCE, "No, just this date"), SelectChoice(SERIES, "Yes, schedule a series")]
EVERY_CHOICES = [SelectChoice("1", "Every week"), SelectChoice("2", "Every 2 weeks")]
MAX_SERIES = 52


class SessionForm(FlaskForm):
    date = DayMonthYearField("Date", validators=[Required("Enter the date of the session")])
    start_time = TimeOfDayField("Start time", validators=[Required("Enter the start time")])
    end_time = TimeOfDayField("End time", validators=[Required("Enter the end time")])
    # Issue 12: in person at a venue (a record: training_app.models.Venue), or online.
    location_kind = Radio(
        "Where is the session?",
        widget=GovRadioInput(),
        choices=LOCATION_CHOICES,
        validators=[InputRequired("Select in person at a venue, or online")],
        validate_choice=True,
    )
    venue_id = IdSelect("Venue", widget=GovSelect(), validators=[Optional()], validate_choice=True)
    online_platform = StringField(
        "Online platform",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=100, message="Online platform must be 100 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    join_url = StringField(
        "Joining link",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=500, message="Joining link must be 500 characters or fewer"),
            no_control_characters,
            https_url,
        ],
    )
    capacity = WholeNumberField(
        "Capacity", validators=[Required("Enter the number of places")], minimum=1, maximum=1000, example="20"
    )
    trainer_ids = IdCheckboxes(
        "Trainers",
        widget=GovCheckboxesInput(),
        validate_choice=True,
        description="Everyone who will deliver this session. They see its register.",
    )
    # Only for a system admin (routes.session_form removes it otherwise): who runs the session.
    partnership_id = IdSelect(
        "Partnership that runs this session",
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=True,
        description="Its administrators manage the session and its register; reports count it for them",
    )
    opens_date = DayMonthYearField("Date booking opens")
    opens_time = TimeOfDayField("Time booking opens")
    closes_date = DayMonthYearField("Date booking closes")
    closes_time = TimeOfDayField("Time booking closes")
    submit = SubmitField("Save session", widget=GovSubmitInput())

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError("End time must be after the start time")

    def validate_online_platform(self, field):
        if self.location_kind.data == ONLINE and not field.data:
            raise ValidationError("Enter the online platform, for example Microsoft Teams or Zoom")

    def validate(self, extra_validators=None):
        super().validate(extra_validators)
        # Only the chosen kind's fields are shown (conditional reveal) and saved: what the hidden
        # ones hold cannot be wrong.
        hidden = {IN_PERSON: ("online_platform", "join_url"), ONLINE: ("venue_id",)}.get(
            self.location_kind.data, ("venue_id", "online_platform", "join_url")
        )
        for name in hidden:
            self[name].errors = []
        if self.location_kind.data == IN_PERSON and not self.venue_id.data and not self.venue_id.errors:
            self.venue_id.errors = ["Select the venue"]
        self._errors = None
        return not any(field.errors for field in self)

    def location_values(self):
        """venue_id, online_platform and join_url: the chosen kind's, the other kind's cleared."""
        online = self.location_kind.data == ONLINE
        return {
            "venue_id": None if online else (self.venue_id.data or None),
            "online_platform": (self.online_platform.data or None) if online else None,
            "join_url": (self.join_url.data or None) if online else None,
        }

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
        if course_session.venue_id is not None or course_session.online_platform:
            self.location_kind.data = IN_PERSON if course_session.venue_id is not None else ONLINE
        self.venue_id.data = course_session.venue_id
        self.online_platform.data = course_session.online_platform or ""
        self.join_url.data = course_session.join_url or ""
        self.capacity.data = course_session.capacity
        self.trainer_ids.data = [t.id for t in course_session.trainers]
        if "partnership_id" in self._fields:
            self.partnership_id.data = course_session.partnership_id
        for prefix, moment in (
            ("opens", course_session.booking_opens_at),
            ("closes", course_session.booking_closes_at),
        ):
            if moment:
                local = to_london(moment)
                getattr(self, f"{prefix}_date").data = local.date()
                getattr(self, f"{prefix}_time").data = local.time()


class NewSessionForm(SessionForm):
    """A new session, or a weekly or fortnightly series of them on the same weekday and times."""

    repeat = Radio(
        "Repeat this session?",
        widget=GovRadioInput(),
        choices=REPEAT_CHOICES,
        default=ONCE,  # also when the key is missing: one session
        validate_choice=True,
    )
    repeat_every = Select("How often", widget=GovSelect(), choices=EVERY_CHOICES, default="1", validate_choice=True)
    repeat_until = DayMonthYearField("Date of the last session")

    @property
    def is_series(self) -> bool:
        return self.repeat.data == SERIES

    def validate_repeat_until(self, field):
        if not self.is_series or field.errors:
            return
        if field.data is None:
            raise ValidationError("Enter the date of the last session")
        first = self.date.data
        if first is None:
            return
        if field.data <= first:
            raise ValidationError("The last session must be after the first")
        if len(series_dates(first, field.data, self.every_weeks)) > MAX_SERIES:
            raise ValidationError(f"A series can have at most {MAX_SERIES} sessions. Choose an earlier last date")

    def dates(self) -> list[date]:
        """The London dates of every session to schedule: the first, then every week or two until the last."""
        first = self.date.data
        assert first is not None, "dates() is for a validated form"
        if not self.is_series or self.repeat_until.data is None:
            return [first]
        return series_dates(first, self.repeat_until.data, self.every_weeks)

    @property
    def every_weeks(self) -> int:
        return 2 if self.repeat_every.data == "2" else 1


def series_dates(first: date, last: date, every_weeks: int) -> list[date]:
    """first, first + every_weeks, ... up to and including last."""
    step = timedelta(weeks=every_weeks)
    count = (last - first) // step + 1
    return [first + step * n for n in range(count)]
