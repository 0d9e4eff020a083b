"""A partnership's contact details (email, phone, opening hours), edited by its own administrators.

Pages, error pages and emails name the team through training_app.contact; this page is where the
details come from. Who may edit them: permissions.may_edit_partnership_contact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import Field, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..audit import changes, record_audit
from ..extensions import db
from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models import Partnership, User
from ..permissions import admin_required, may_edit_partnership_contact, require
from . import bp

CONTACT_FIELDS = ("contact_email", "contact_phone", "opening_hours")
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()-]+$")


def plausible_phone(_form: FlaskForm, field: Field) -> None:
    """A UK or international number: digits, spaces, brackets and dashes, an optional leading +, and
    10 to 15 digits (UK numbers have 10 or 11, or 12 with +44)."""
    value = field.data or ""
    if not value:
        return
    digits = sum(ch.isdigit() for ch in value)
    if not PHONE_CHARACTERS.match(value) or not 10 <= digits <= 15:
        raise ValidationError("Enter a telephone number, like 01632 960 001 or +44 808 157 0192")


class ContactForm(FlaskForm):
    contact_email = StringField(
        "Email address",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the training team's email address"),
            Length(max=320, message="Email address must be 320 characters or fewer"),
            Email(
                "Enter an email address in the correct format, like training@example.org", check_deliverability=False
            ),
        ],
    )
    contact_phone = StringField(
        "Telephone number (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=40, message="Telephone number must be 40 characters or fewer"),
            plausible_phone,
        ],
    )
    opening_hours = StringField(
        "Opening hours (optional)",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=200, message="Opening hours must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Save contact details", widget=GovSubmitInput())

    def values(self) -> dict[str, str | None]:
        return {name: (self[name].data or None) for name in CONTACT_FIELDS}


def save_partnership_fields(
    actor: User, partnership: Partnership, fields: tuple[str, ...], values: Mapping[str, object], action: str
) -> dict[str, dict[str, object]]:
    """Save some of a partnership's own settings (`fields`) and audit the change as `action`; returns
    what changed (empty if nothing)."""
    diff = changes(partnership, fields, values)
    if diff:
        for name in fields:
            setattr(partnership, name, values.get(name))
        db.session.flush()
        record_audit(actor, action, partnership, changes=diff)
    return diff


def update_partnership_contact(
    actor: User, partnership: Partnership, values: dict[str, str | None]
) -> dict[str, dict[str, object]]:
    """Save a partnership's contact details and audit the change; returns what changed (empty if nothing)."""
    return save_partnership_fields(actor, partnership, CONTACT_FIELDS, values, "partnership.contact_changed")


def partnership_form_page(
    partnership_id: int,
    form_class: type[FlaskForm],
    save: Callable[[User, Partnership, dict[str, Any]], dict[str, dict[str, object]]],
    endpoint: str,
    template: str,
    saved: str,
) -> ResponseReturnValue:
    """A page where a partnership's own admins edit some of its settings (contact details, non-attendance
    settings): permission, the form filled from the partnership, save, say so, and back to the page."""
    partnership = db.get_or_404(Partnership, partnership_id)
    require(may_edit_partnership_contact(current_user, partnership))
    form = form_class(obj=partnership)
    if form.validate_on_submit():
        diff = save(current_user, partnership, form.values())
        db.session.commit()
        flash(saved if diff else "Nothing was changed.", "success")
        return redirect(url_for(endpoint, partnership_id=partnership.id))
    return render_template(template, form=form, partnership=partnership)


@bp.route("/partnerships/<int:partnership_id>/contact", methods=["GET", "POST"])
@admin_required
def partnership_contact(partnership_id: int) -> ResponseReturnValue:
    return partnership_form_page(
        partnership_id,
        ContactForm,
        update_partnership_contact,
        "admin.partnership_contact",
        "admin/partnership_contact.html",
        "Contact details saved.",
    )
