"""Forms for case reviews, their recommendations and the courses linked to them (issue 16)."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice, enum_choices
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models import ReviewKind
from .fields import DayMonthYearField, IdSelect, Radio, Required, https_url

VISIBILITY_CHOICES = [
    SelectChoice("public", "Public: course pages name this review"),
    SelectChoice("staff", "Staff only: only trainers and administrators see the review's name on course pages"),
]


def _text(label: str, limit: int, required: str | None = None) -> list[Any]:
    validators: list[Any] = [DataRequired(required)] if required else []
    return validators + [
        Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        no_control_characters,
        no_bidi_controls,
    ]


class ReviewForm(FlaskForm):
    kind = Radio(
        "Kind of review",
        widget=GovRadioInput(),
        choices=enum_choices(ReviewKind, label=lambda kind: kind.label),
        validators=[InputRequired("Select the kind of review")],
        validate_choice=True,
    )
    title = StringField(
        "Title", widget=GovTextInput(), filters=[strip_filter], validators=_text("Title", 300, "Enter the title")
    )
    published_on = DayMonthYearField("Date published", validators=[Required("Enter the date the review was published")])
    link = StringField(
        "Link to the review",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Length(max=500, message="Link must be 500 characters or fewer"), no_control_characters, https_url],
    )
    visibility = Radio(
        "Who sees this review's name on course pages",
        widget=GovRadioInput(),
        choices=VISIBILITY_CHOICES,
        default="staff",
        validators=[InputRequired("Select public or staff only")],
        validate_choice=True,
    )
    partnership_id = IdSelect(
        "Partnership", widget=GovSelect(), validators=[Required("Select the partnership")], validate_choice=True
    )
    submit = SubmitField("Save review", widget=GovSubmitInput())

    def values(self) -> dict[str, Any]:
        values = {
            "kind": self.kind.data,
            "title": self.title.data,
            "published_on": self.published_on.data,
            "link": self.link.data or None,
            "public": self.visibility.data == "public",
        }
        if "partnership_id" in self:
            values["partnership_id"] = self.partnership_id.data
        return values


class RecommendationForm(FlaskForm):
    text = TextAreaField(
        "Recommendation",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=_text("Recommendation", 4000, "Enter the recommendation"),
    )
    submit = SubmitField("Add recommendation", widget=GovSubmitInput())


def outcome_numbers(text: str) -> list[int]:
    """ "1, 3" → [1, 3]; raises ValueError on anything but whole numbers separated by commas or spaces."""
    parts = [part for part in re.split(r"[,\s]+", text.strip()) if part]
    if not all(part.isdigit() and len(part) <= 3 for part in parts):
        raise ValueError("Learning outcomes must be numbers separated by commas, like 1, 3")
    return sorted({int(part) for part in parts})


class LinkCourseForm(FlaskForm):
    course_id = IdSelect("Course", widget=GovSelect(), validators=[Required("Select a course")], validate_choice=True)
    outcomes = StringField(
        "Learning outcomes (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[Optional(), Length(max=100, message="Learning outcomes must be 100 characters or fewer")],
    )
    submit = SubmitField("Link course", widget=GovSubmitInput())

    def validate_outcomes(self, field: Field) -> None:
        try:
            outcome_numbers(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None


class RecommendationEditForm(FlaskForm):
    number = StringField(
        "Number",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[DataRequired("Enter the recommendation number")],
    )
    text = TextAreaField(
        "Recommendation",
        widget=GovTextArea(),
        filters=[strip_filter],
        validators=_text("Recommendation", 4000, "Enter the recommendation"),
    )
    submit = SubmitField("Save recommendation", widget=GovSubmitInput())

    def validate_number(self, field: Field) -> None:
        value = field.data or ""
        if not (value.isascii() and value.isdigit() and len(value) <= 3 and int(value) >= 1):
            raise ValidationError("The recommendation number must be a whole number from 1 to 999")

    @property
    def number_value(self) -> int:
        return int(self.number.data or 0)


class ConfirmDeleteForm(FlaskForm):
    """A confirmation page's form: nothing but the CSRF token and the button."""
