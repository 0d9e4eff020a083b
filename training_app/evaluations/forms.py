"""Evaluation forms, built from a stored question set, and the summary filters."""

from datetime import datetime, timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from .. import clock
from ..forms import no_control_characters, strip_filter
from ..ids import parse_id
from .questions import MAX_QUESTION_TEXT, MAX_TEXT


def answer_form(questions, formdata=None):
    """A form with one radio group per outcome and Likert question and one text box per free-text question.

    Choices are not validated by WTForms (so a tampered value gets our own message, not "Not a valid choice").
    """
    scale = questions["scale"]

    class AnswerForm(FlaskForm):
        form_id = HiddenField()
        submit = SubmitField("Submit your answers", widget=GovSubmitInput())

    values = [str(v) for v in range(scale["min"], scale["max"] + 1)]
    for index, outcome in enumerate(questions["outcomes"]):
        message = f"Select a rating from {scale['min']} to {scale['max']} for outcome {index + 1}"
        setattr(
            AnswerForm,
            f"outcome_{index}",
            RadioField(
                outcome,
                choices=[SelectChoice(v) for v in values],
                widget=GovRadioInput(),
                validate_choice=False,
                validators=[InputRequired(message), AnyOf(values, message=message)],
            ),
        )
    likert_values = [str(v) for v in range(1, len(questions["likert_labels"]) + 1)]
    for question in questions["likert"]:
        message = f"Select an answer for '{question['text']}'"
        setattr(
            AnswerForm,
            question["key"],
            RadioField(
                question["text"],
                choices=[
                    SelectChoice(v, label) for v, label in zip(likert_values, questions["likert_labels"], strict=False)
                ],
                widget=GovRadioInput(),
                validate_choice=False,
                validators=[InputRequired(message), AnyOf(likert_values, message=message)],
            ),
        )
    for item in questions["free_text"]:
        setattr(
            AnswerForm,
            item["key"],
            TextAreaField(
                item["text"],
                widget=GovCharacterCount(),
                filters=[strip_filter],
                validators=[
                    Optional(),
                    Length(max=MAX_TEXT, message=f"Your answer must be {MAX_TEXT:,} characters or fewer"),
                    no_control_characters,
                ],
            ),
        )
    if questions["free_text"]:
        AnswerForm.quote_consent = BooleanField(
            "You may quote my comments anonymously",
            widget=GovCheckboxInput(),
            description="The training team may use them, without your name, in reports to the partnership board",
        )
    form = AnswerForm(formdata=formdata) if formdata is not None else AnswerForm()
    form.outcome_fields = [form[f"outcome_{i}"] for i in range(len(questions["outcomes"]))]
    form.likert_fields = [form[q["key"]] for q in questions["likert"]]
    form.text_fields = [form[item["key"]] for item in questions["free_text"]]
    return form


def quote_consent_from(form):
    """Whether the delegate agreed their comments may be quoted anonymously (False if not asked)."""
    return bool(getattr(form, "quote_consent", None) is not None and form.quote_consent.data)


def answers_from(form):
    ratings = {f.name: int(f.data) for f in form.outcome_fields + form.likert_fields}
    texts = {f.name: f.data for f in form.text_fields}
    return ratings, texts


def questions_form(questions, formdata=None):
    """The partnership team's form: outcome wording, scale end labels, up to three extra post-course questions."""
    limit = Length(max=MAX_QUESTION_TEXT, message=f"Each question must be {MAX_QUESTION_TEXT} characters or fewer")

    class QuestionsForm(FlaskForm):
        min_label = StringField(
            "Label for the lowest rating",
            widget=GovTextInput(),
            filters=[strip_filter],
            validators=[InputRequired("Enter a label for the lowest rating"), limit, no_control_characters],
        )
        max_label = StringField(
            "Label for the highest rating",
            widget=GovTextInput(),
            filters=[strip_filter],
            validators=[InputRequired("Enter a label for the highest rating"), limit, no_control_characters],
        )
        submit = SubmitField("Save as a new version", widget=GovSubmitInput())

    for index, _ in enumerate(questions["outcomes"]):
        setattr(
            QuestionsForm,
            f"outcome_{index}",
            TextAreaField(
                f"Learning outcome {index + 1}",
                widget=GovCharacterCount(),
                filters=[strip_filter],
                validators=[
                    InputRequired(f"Enter the wording of learning outcome {index + 1}"),
                    limit,
                    no_control_characters,
                ],
            ),
        )
    for number in (1, 2, 3):
        setattr(
            QuestionsForm,
            f"extra_{number}",
            StringField(
                f"Extra post-course question {number} (optional)",
                widget=GovTextInput(),
                filters=[strip_filter],
                description="Answered from Strongly disagree to Strongly agree",
                validators=[Optional(), limit, no_control_characters],
            ),
        )
    if formdata is not None:
        form = QuestionsForm(formdata=formdata)
    else:
        extras = {q["key"]: q["text"] for q in questions["likert"]}
        data = {f"outcome_{i}": text for i, text in enumerate(questions["outcomes"])}
        data.update(
            min_label=questions["scale"]["min_label"],
            max_label=questions["scale"]["max_label"],
            **{f"extra_{n}": extras.get(f"extra_{n}", "") for n in (1, 2, 3)},
        )
        form = QuestionsForm(data=data)
    form.outcome_fields = [form[f"outcome_{i}"] for i in range(len(questions["outcomes"]))]
    form.extra_fields = [form[f"extra_{n}"] for n in (1, 2, 3)]
    return form


def parse_day(text):
    """'2026-04-01' or '1/4/2026' or '1 4 2026' to a date, else None."""
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %m %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def valid_day(form, field):
    if field.data and parse_day(field.data) is None:
        raise ValidationError(f"{field.label.text} must be a real date, like 1/4/2026")


class SummaryFilterForm(FlaskForm):
    """GET filters (no CSRF: reading only)."""

    class Meta:
        csrf = False

    course = SelectField("Course", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    session = IntegerField("Session number", widget=GovTextInput(), validators=[Optional()])
    trainer = SelectField("Trainer", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    partnership = SelectField("Partnership", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    agency = SelectField("Organisation", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    sector = SelectField("Sector", widget=GovSelect(), validators=[Optional()], validate_choice=False)
    level = SelectField(
        "Level",
        widget=GovSelect(),
        validators=[Optional()],
        validate_choice=False,
        choices=[SelectChoice("", "Any")] + [SelectChoice(str(n), f"Level {n}") for n in range(1, 7)],
    )
    date_from = StringField(
        "From",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, 1/4/2026",
        validators=[Optional(), Length(max=20), valid_day],
    )
    date_to = StringField(
        "To",
        widget=GovTextInput(),
        filters=[strip_filter],
        description="For example, 31/3/2027",
        validators=[Optional(), Length(max=20), valid_day],
    )
    basis = RadioField(
        "Dates refer to",
        widget=GovRadioInput(),
        default="session",
        validate_choice=False,
        choices=[
            SelectChoice("session", "When the session started"),
            SelectChoice("submitted", "When the answers were submitted"),
        ],
    )
    submit = SubmitField("Apply filters", widget=GovSubmitInput())

    def int_or_none(self, name):
        """The id (or level) in filter `name`, or None when it is empty or cannot be one."""
        return parse_id(self[name].data)

    def day_bounds(self):
        """(from, to) as naive UTC: London midnight on the first day, and after the last day."""
        start, end = parse_day(self.date_from.data), parse_day(self.date_to.data)
        start_utc = clock.from_london(datetime.combine(start, datetime.min.time())) if start else None
        end_utc = clock.from_london(datetime.combine(end + timedelta(days=1), datetime.min.time())) if end else None
        return start_utc, end_utc
