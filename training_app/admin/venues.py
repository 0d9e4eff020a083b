"""Venues (issue 12): the rooms face-to-face sessions are held in, as records.

Any administrator sees the venues they manage (a partnership admin their partnership's, a system
admin all) and adds venues; editing, retiring and reinstating one asks permissions.can_manage_venue.
"""

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..constants import ADMIN_VENUES_PAGE_SIZE
from ..extensions import db
from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models import Venue
from ..pagination import requested_page
from ..permissions import admin_required, can_manage_venue, require, sees_all_partnerships
from ..postcodes import normalise_postcode
from . import bp
from .fields import IdSelect, Required, WholeNumberField, https_url
from .services import partnerships
from .venue_services import (
    create_venue,
    managed_venues,
    reinstate_venue,
    retire_venue,
    sessions_over_room,
    update_venue,
)

MAX_ROOM = 1000  # the most places a session may have (SessionForm.capacity)


def _text(label: str, limit: int, required: str | None = None) -> list[Any]:
    validators = [DataRequired(required)] if required else []
    return validators + [
        Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        no_control_characters,
        no_bidi_controls,
    ]


class VenueForm(FlaskForm):
    name = StringField(
        "Name", widget=GovTextInput(), filters=[strip_filter], validators=_text("Name", 200, "Enter a name")
    )
    address = TextAreaField(
        "Address", widget=GovTextArea(), filters=[strip_filter], validators=_text("Address", 1000, "Enter the address")
    )
    postcode = StringField(
        "Postcode", widget=GovTextInput(), filters=[strip_filter], validators=[DataRequired("Enter the postcode")]
    )
    map_url = StringField(
        "Map link",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            Length(max=500, message="Map link must be 500 characters or fewer"),
            no_control_characters,
            https_url,
        ],
    )
    room_capacity = WholeNumberField(
        "Room capacity", validators=[Required("Enter how many people the room holds")], minimum=1, maximum=MAX_ROOM
    )
    accessibility_notes = TextAreaField(
        "Accessibility", widget=GovTextArea(), filters=[strip_filter], validators=_text("Accessibility", 2000)
    )
    parking_notes = TextAreaField(
        "Parking and travel", widget=GovTextArea(), filters=[strip_filter], validators=_text("Parking and travel", 2000)
    )
    partnership_id = IdSelect("Managed by", widget=GovSelect(), validators=[Optional()], validate_choice=True)
    submit = SubmitField("Save venue", widget=GovSubmitInput())

    def validate_postcode(self, field: Field) -> None:
        postcode = normalise_postcode(field.data)
        if postcode is None:
            raise ValidationError("Enter a real postcode, like SO14 7LY")
        field.data = postcode

    def values(self) -> dict[str, Any]:
        values = {
            name: self[name].data or None
            for name in ("name", "address", "postcode", "map_url", "accessibility_notes", "parking_notes")
        }
        values["room_capacity"] = self.room_capacity.data
        if "partnership_id" in self:
            values["partnership_id"] = self.partnership_id.data or None  # "" is the blank choice
        return values


def venue_form(venue: Venue | None = None) -> VenueForm:
    form = VenueForm(obj=venue if request.method == "GET" else None)
    if sees_all_partnerships(current_user):
        form.partnership_id.choices = [SelectChoice("", "All four partnerships (system administrators)")] + [
            SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in partnerships()
        ]
    else:
        del form.partnership_id
    return form


def managed_venue_or_abort(venue_id: int) -> Venue:
    venue = db.get_or_404(Venue, venue_id)
    require(can_manage_venue(current_user, venue))
    return venue


@bp.route("/venues")
@admin_required
def venues() -> str:
    rows, pages = managed_venues(current_user, requested_page(), ADMIN_VENUES_PAGE_SIZE)

    def page_url(number: int) -> str:
        return url_for("admin.venues", page=number)

    return render_template(
        "admin/venues/index.html", venues=rows, page=pages.page, pages=pages.pages, total=pages.total, page_url=page_url
    )


@bp.route("/venues/new", methods=["GET", "POST"])
@admin_required
def venue_new() -> ResponseReturnValue:
    form = venue_form()
    if form.validate_on_submit():
        venue = create_venue(current_user, form.values())
        db.session.commit()
        flash(f"{venue.name} has been added. Sessions can now be held there.", "success")
        return redirect(url_for("admin.venues"))
    return render_template("admin/venues/form.html", form=form, venue=None)


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@admin_required
def venue_edit(venue_id: int) -> ResponseReturnValue:
    venue = managed_venue_or_abort(venue_id)
    form = venue_form(venue)
    if form.validate_on_submit():
        diff = update_venue(current_user, venue, form.values())
        db.session.commit()
        if sessions_over_room(venue):
            flash("Your changes have been saved. Some sessions have more places than the room now holds.", "info")
            return redirect(url_for("admin.venue_edit", venue_id=venue.id))
        flash("Your changes have been saved." if diff else "Nothing was changed.", "success")
        return redirect(url_for("admin.venues"))
    return render_template(
        "admin/venues/form.html", form=form, venue=venue, over_room=sessions_over_room(venue), action_form=FlaskForm()
    )


@bp.route("/venues/<int:venue_id>/retire", methods=["POST"])
@admin_required
def venue_retire(venue_id: int) -> ResponseReturnValue:
    venue = managed_venue_or_abort(venue_id)
    upcoming = retire_venue(current_user, venue)
    db.session.commit()
    message = f"{venue.name} has been retired: it is no longer offered for new sessions."
    if upcoming:
        message += (
            f" {upcoming} upcoming {'session is' if upcoming == 1 else 'sessions are'} still held there:"
            " move them if the venue cannot be used."
        )
    flash(message, "success")
    return redirect(url_for("admin.venues"))


@bp.route("/venues/<int:venue_id>/reinstate", methods=["POST"])
@admin_required
def venue_reinstate(venue_id: int) -> ResponseReturnValue:
    venue = managed_venue_or_abort(venue_id)
    reinstate_venue(current_user, venue)
    db.session.commit()
    flash(f"{venue.name} is in use again and can be chosen for sessions.", "success")
    return redirect(url_for("admin.venues"))
