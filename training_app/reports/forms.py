"""The reports' filters: a GET form whose invalid values are reported and then ignored."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..ids import parse_id
from ..permissions import sees_all_partnerships
from .scope import ReportFilters, current_financial_year, financial_year_start

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Row
    from werkzeug.datastructures import MultiDict

    from ..models import User

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def sensible_date(form: FlaskForm, field: DateField) -> None:
    if field.data and not EARLIEST <= field.data <= LATEST:
        raise ValidationError(f"{field.label.text} must be between 2000 and 2100")


class ReportFilterForm(FlaskForm):
    """Period, partnership, course and level. Build with `for_actor` so the choices fit the person."""

    class Meta:
        csrf = False

    # WTForms' own "Not a valid date value" / "Not a valid choice" say nothing about how to fix them.
    date_from = DateField(
        "Period from",
        format="%Y-%m-%d",
        validators=[Optional(), sensible_date],
        invalid_value_message="Period from must be a real date, like 2026-04-01",
    )
    date_to = DateField(
        "Period to",
        format="%Y-%m-%d",
        validators=[Optional(), sensible_date],
        invalid_value_message="Period to must be a real date, like 2027-03-31",
    )
    partnership = SelectField(
        "Partnership", validators=[Optional()], invalid_choice_message="Select a partnership from the list"
    )
    course = SelectField("Course", validators=[Optional()], invalid_choice_message="Select a course from the list")
    level = SelectField(
        "Level",
        validators=[Optional()],
        invalid_choice_message="Select a level from the list",
        choices=[SelectChoice("", "Any level")] + [SelectChoice(str(n), f"Level {n}") for n in range(1, 7)],
    )

    actor: User
    partnership_ids: dict[str, int]

    @classmethod
    def for_actor(
        cls,
        actor: User,
        formdata: MultiDict[str, str] | None,
        partnerships: Sequence[Row[int, str, str]],
        courses: Sequence[Row[int, str]],
    ) -> ReportFilterForm:
        """A form whose partnership choices are all four for a system admin, none otherwise."""
        form = cls(formdata=formdata)
        form.actor = actor
        form.partnership_ids = {code: pid for pid, code, _ in partnerships}
        if sees_all_partnerships(actor):
            form.partnership.choices = [SelectChoice("", "All partnerships")] + [
                SelectChoice(code, f"{name} ({code})") for _, code, name in partnerships
            ]
        else:
            form.partnership.choices = [SelectChoice("", "Your partnership")]
        form.course.choices = [SelectChoice("", "All courses")] + [
            SelectChoice(str(course_id), title) for course_id, title in courses
        ]
        return form

    def validate_partnership(self, field: SelectField) -> None:
        if field.data and not sees_all_partnerships(self.actor):
            field.errors[:] = []
            raise ValidationError("You can only see your own partnership's figures")

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and not self.date_from.errors and field.data < self.date_from.data:
            raise ValidationError("Period to must be the same as or after period from")

    def filters(self, now: datetime | None = None) -> ReportFilters:
        """ReportFilters from the valid fields; invalid or missing ones take their defaults
        (the current financial year, every partnership, course and level)."""
        given_from = self.date_from.data if self.date_from.data and not self.date_from.errors else None
        given_to = self.date_to.data if self.date_to.data and not self.date_to.errors else None
        default_from, default_to = current_financial_year(now)
        # One end given: the other defaults to the end of that end's financial year.
        if given_from and not given_to:
            start = financial_year_start(given_from)
            default_to = date(start.year + 1, 3, 31)
        if given_to and not given_from:
            default_from = financial_year_start(given_to)
        date_from, date_to = given_from or default_from, given_to or default_to
        if date_to < date_from:
            date_to = date_from
        partnership = self.partnership.data if self.partnership.data and not self.partnership.errors else None
        course = self.course.data if self.course.data and not self.course.errors else None
        level = self.level.data if self.level.data and not self.level.errors else None
        return ReportFilters(
            date_from=date_from,
            date_to=date_to,
            partnership_id=self.partnership_ids.get(partnership) if partnership else None,
            course_id=parse_id(course) if course else None,
            level=int(level) if level else None,
        )
