"""Forms of the reference-data pages: organisations (and merging them) and partnerships."""

from __future__ import annotations

from collections.abc import Sequence

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from ..forms import no_bidi_controls, no_control_characters, strip_filter
from ..models import SECTORS, Partnership
from .fields import IdSelect, Required, Select

# What the area select shows for an organisation that works across several partnerships' areas.
SEVERAL_AREAS = "Several areas, or not sure"


def sector_choices(blank: str = "Select the sector") -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(sector, sector) for sector in SECTORS]


def area_choices(partnerships: Sequence[Partnership], blank: str = SEVERAL_AREAS) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(str(p.id), p.label) for p in partnerships]


class OptionalIdSelect(IdSelect):
    """An id select whose blank choice (or a missing key) is a valid answer: None."""

    def pre_validate(self, form: object) -> None:
        if self.data is None and not any(value.strip() for value in self.raw_data or []):
            return
        super().pre_validate(form)


class OrganisationForm(FlaskForm):
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the organisation's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    sector = Select("Sector", widget=GovSelect(), validators=[InputRequired("Select the sector")])
    # Only system administrators choose it; a partnership admin's organisations are in their area.
    partnership_id = OptionalIdSelect("Partnership area", widget=GovSelect())
    submit = SubmitField("Save", widget=GovSubmitInput())

    def offer(self, partnerships: Sequence[Partnership] | None) -> OrganisationForm:
        """Fill the choices; None for `partnerships` removes the area (a partnership admin's form)."""
        self.sector.choices = sector_choices()
        if partnerships is None:
            del self.partnership_id
        else:
            self.partnership_id.choices = area_choices(partnerships)
        return self


class MergeForm(FlaskForm):
    """The organisation a duplicate is merged into (chosen on one page, confirmed on the next)."""

    target_id = IdSelect(
        "Merge into", widget=GovSelect(), validators=[Required("Select the organisation to merge it into")]
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class PartnershipForm(FlaskForm):
    code = StringField(
        "Code",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter a code, like SSCP"),
            Length(max=10, message="Code must be 10 characters or fewer"),
        ],
    )
    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip_filter],
        validators=[
            InputRequired("Enter the partnership's name"),
            Length(max=200, message="Name must be 200 characters or fewer"),
            no_control_characters,
            no_bidi_controls,
        ],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())
