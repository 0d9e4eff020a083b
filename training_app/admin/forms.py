"""Forms of the administration area: courses (sessions: .session_forms).

Dates and times are entered in London time; the views convert them with clock.from_london.
The fields that parse their own input live in .fields.
"""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice, enum_choices
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models import CertificateRelease, CourseFormat, CourseStatus, LevelKind
from .fields import (
    IdCheckboxes,
    IdSelect,
    Radio,
    Select,
    WholeNumberField,
    https_url,
)

LEVEL_CHOICES = [SelectChoice("", "No level")] + [SelectChoice(str(n), f"Level {n}") for n in (1, 2, 3)]
LEVEL_KIND_CHOICES = [SelectChoice("", "No level")] + enum_choices(LevelKind, label=lambda kind: kind.describe("N"))
FORMAT_CHOICES = [SelectChoice("", "Choose a format")] + enum_choices(CourseFormat, label=lambda f: f.label)
PREREQUISITE_LEVEL_CHOICES = [SelectChoice("", "None")] + [
    SelectChoice(str(n), f"Level {n} completed") for n in (1, 2, 3)
]
COURSE_STATUS_CHOICES = [
    SelectChoice(CourseStatus.DRAFT.value, "Draft: only administrators can see it"),
    SelectChoice(CourseStatus.PUBLISHED.value, "Published: listed in the catalogue"),
]
MAX_OUTCOMES = 30


class CourseForm(FlaskForm):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            DataRequired("Enter a title"),
            Length(max=200, message="Title must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    slug = StringField(
        "Web address name (slug)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=220, message="Slug must be 220 characters or fewer"),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message="Slug must only include lower case letters a to z, numbers and "
                "single hyphens, like working-together-level-3",
            ),
        ],
    )
    summary = TextAreaField(
        "Summary",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Length(max=5000, message="Summary must be 5,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    learning_outcomes = TextAreaField(
        "Learning outcomes",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Length(max=20000, message="Learning outcomes must be 20,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    level = Select("Level", widget=GovSelect(), choices=LEVEL_CHOICES, validate_choice=True)
    level_kind = Select("Kind of level", widget=GovSelect(), choices=LEVEL_KIND_CHOICES, validate_choice=True)
    format = Select(
        "Format",
        widget=GovSelect(),
        choices=FORMAT_CHOICES,
        validators=[InputRequired("Select a format")],
        validate_choice=True,
    )
    audience = StringField(
        "Who it is for",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=500, message="Who it is for must be 500 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    duration_minutes = WholeNumberField("Duration in minutes", minimum=1, maximum=10000, example="180")
    prerequisite_text = TextAreaField(
        "Prerequisites",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=[
            Length(max=2000, message="Prerequisites must be 2,000 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    prerequisite_min_level = Select(
        "Level delegates must have completed before booking",
        widget=GovSelect(),
        choices=PREREQUISITE_LEVEL_CHOICES,
        validate_choice=True,
    )
    pre_course_work = StringField(
        "Pre-course work",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=500, message="Pre-course work must be 500 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    owner_partnership_id = IdSelect(
        "Partnership that owns the course",
        widget=GovSelect(),
        validators=[InputRequired("Select the partnership that owns the course")],
        validate_choice=True,
    )
    is_hips = BooleanField(
        "This is a HIPS course, run jointly by all four partnerships",
        widget=GovCheckboxInput(),
        description="HIPS courses are shown under every partnership in the catalogue",
    )
    allow_repeat_bookings = BooleanField(
        "People may book more than one session of this course",
        widget=GovCheckboxInput(),
        description="For example, workshops people come back to. Otherwise each person holds one place at a time",
    )
    certificate_release = Radio(
        "When can delegates download their certificate of attendance?",
        widget=GovRadioInput(),
        choices=enum_choices(CertificateRelease, label=lambda release: release.label),
        default=CertificateRelease.AFTER_EVALUATION.value,
        validators=[Optional()],
        validate_choice=True,
    )
    requires_manager_approval = BooleanField(
        "Bookings need the delegate's line manager to approve them",
        widget=GovCheckboxInput(),
        description="We email the manager a link, and hold the place for up to 5 working days while they decide",
    )
    is_trainer_of_trainers = BooleanField(
        "This course trains people to train others (trainer of trainers)",
        widget=GovCheckboxInput(),
        description="Those who attend can record the training they go on to run; the annual pack counts it",
    )
    joint_partnership_ids = IdCheckboxes(
        "Also run with",
        widget=GovCheckboxesInput(),
        validate_choice=True,
        description="Other partnerships that run this course jointly",
    )
    elearning_url = StringField(
        "E-learning link",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=500, message="E-learning link must be 500 characters or fewer"),
            no_control_characters,
            https_url,
        ],
    )
    status = Radio(
        "Status",
        widget=GovRadioInput(),
        choices=COURSE_STATUS_CHOICES,
        default=CourseStatus.DRAFT.value,
        description="You can change this later",
        validators=[InputRequired("Select draft or published")],
        validate_choice=True,
    )
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
            "allow_repeat_bookings": bool(self.allow_repeat_bookings.data),
            # Left out (a form posted by a script), the common rule: after the post-course evaluation.
            "certificate_release": self.certificate_release.data or CertificateRelease.AFTER_EVALUATION.value,
            "requires_manager_approval": bool(self.requires_manager_approval.data),
            "is_trainer_of_trainers": bool(self.is_trainer_of_trainers.data),
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
        self.allow_repeat_bookings.data = course.allow_repeat_bookings
        self.certificate_release.data = course.certificate_release
        self.requires_manager_approval.data = course.requires_manager_approval
        self.is_trainer_of_trainers.data = course.is_trainer_of_trainers
        self.joint_partnership_ids.data = [p.id for p in course.joint_partnerships]
        self.elearning_url.data = course.elearning_url or ""
        if "status" in self._fields:
            self.status.data = course.status
        if "owner_partnership_id" in self._fields:
            self.owner_partnership_id.data = course.owner_partnership_id
