"""The organisation question on the registration and account forms: choose one from the list, or choose
"My organisation is not listed" (its last option) and name it (it then waits for an administrator, but is the person's
at once). The views fill the choices with `offer_organisations` and read the answer with
`chosen_organisation`."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice

from ..admin.organisation_forms import SEVERAL_AREAS, area_choices, sector_choices
from ..admin.organisation_services import OrganisationError, organisation_named
from ..admin.partnership_services import offered_partnerships
from ..errors import show_error
from ..ids import parse_id
from ..models import User
from .forms import ORGANISATION_NOT_LISTED, ProfileFields
from .services import NewOrganisation, agency_choices, valid_agency_id

NOT_LISTED_LABEL = "My organisation is not listed"


def offer_organisations(form: ProfileFields, person: User | None = None) -> None:
    """Fill the organisation choices: the list (with the person's own, whatever its status), the sectors
    and the partnerships still running."""
    form.agency_id.choices = [*agency_choices(person), SelectChoice(ORGANISATION_NOT_LISTED, NOT_LISTED_LABEL)]
    form.new_organisation_sector.choices = sector_choices("Select the sector")
    form.new_organisation_partnership_id.choices = area_choices(offered_partnerships(), SEVERAL_AREAS)


class OrganisationAnswer:
    """An organisation from the list (`agency_id`) or one the person named (`new_organisation`)."""

    def __init__(self, agency_id: int | None = None, new_organisation: NewOrganisation | None = None) -> None:
        self.agency_id = agency_id
        self.new_organisation = new_organisation


def chosen_organisation(form: ProfileFields, person: User | None = None) -> OrganisationAnswer | None:
    """What the (validated) form says about the organisation, or None after putting an error on the form."""
    if form.names_new_organisation:
        name = form.new_organisation_name.data or ""
        try:
            organisation_named(name)  # a retired name is refused before anything is written
        except OrganisationError as error:
            show_error(error, form)
            return None
        return OrganisationAnswer(
            new_organisation={
                "name": name,
                "sector": form.new_organisation_sector.data,
                "partnership_id": parse_id(form.new_organisation_partnership_id.data),
            }
        )
    agency_id = valid_agency_id(form.agency_id.data, person)
    if agency_id is None:
        form.agency_id.errors.append("Select your organisation")
        return None
    return OrganisationAnswer(agency_id=agency_id)
