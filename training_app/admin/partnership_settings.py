"""A partnership's non-attendance settings, edited by its own administrators (as its contact details):
whether line managers are told of no-shows and of their staff's bookings, and what the partnership
charges an organisation for a no-show or a late cancellation (the reports' invoice list uses them).
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, StringField, SubmitField

from ..forms import strip_filter
from ..models import Partnership, User
from ..permissions import admin_required
from . import bp
from .contact import partnership_form_page, save_partnership_fields

SETTING_FIELDS = (
    "notify_managers_of_no_shows",
    "notify_managers_of_bookings",
    "no_show_charge_pence",
    "late_cancellation_charge_pence",
)
MONEY = re.compile(r"^£?\s*(\d{1,5})(?:\.(\d{2}))?$")


class MoneyField(StringField):
    """An amount in pounds ('25', '£25.00', '12.50'), held as whole pence; blank is None (no charge)."""

    widget = GovTextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not text:
            return
        match = MONEY.match(text)
        if not match:
            raise ValueError(f"{self.label.text} must be an amount in pounds, like 25 or 12.50")
        self.data = int(Decimal(match.group(1)) * 100 + Decimal(match.group(2) or 0))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else f"{self.data / 100:.2f}"


class NonAttendanceForm(FlaskForm):
    notify_managers_of_no_shows = BooleanField(
        "Tell a delegate's line manager when they do not attend",
        widget=GovCheckboxInput(),
    )
    notify_managers_of_bookings = BooleanField(
        "Tell line managers when their staff book, cancel or complete a session",
        widget=GovCheckboxInput(),
    )
    no_show_charge_pence = MoneyField("Charge for a no-show (optional)", filters=[strip_filter])
    late_cancellation_charge_pence = MoneyField("Charge for a late cancellation (optional)", filters=[strip_filter])
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def values(self) -> dict[str, object]:
        return {name: self[name].data for name in SETTING_FIELDS}


def update_non_attendance_settings(
    actor: User, partnership: Partnership, values: dict[str, object]
) -> dict[str, dict[str, object]]:
    """Save the settings and audit the change; returns what changed (empty if nothing)."""
    values = {**values, **{name: bool(values.get(name)) for name in SETTING_FIELDS[:2]}}
    return save_partnership_fields(actor, partnership, SETTING_FIELDS, values, "partnership.settings_changed")


@bp.route("/partnerships/<int:partnership_id>/non-attendance", methods=["GET", "POST"])
@admin_required
def partnership_non_attendance(partnership_id: int) -> ResponseReturnValue:
    return partnership_form_page(
        partnership_id,
        NonAttendanceForm,
        update_non_attendance_settings,
        "admin.partnership_non_attendance",
        "admin/partnership_non_attendance.html",
        "Settings saved.",
    )
