"""Compliance by organisation: the page (figures, chart and table), who is behind each figure, and the
streamed CSV."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import clock
from ..audit import record_audit
from ..csvutil import csv_response
from ..extensions import db
from ..ids import parse_id
from ..models import SECTORS, Agency, OrganisationStatus, Partnership, RequirementStatus, TrainingRequirement
from ..pagination import requested_page
from ..permissions import (
    compliance_organisations_condition,
    may_see_compliance,
    may_see_compliance_names,
    require,
    sees_all_partnerships,
)
from . import bp
from .compliance import ComplianceFilters, compliance_csv_rows, compliance_figures, people_with_status
from .record import requirements
from .validity import london_today

PEOPLE_PER_PAGE = 50


def _filters() -> ComplianceFilters:
    """The filters in the query string; values that are not offered are ignored (never an error)."""
    partnership_id = parse_id(request.args.get("partnership")) if sees_all_partnerships(current_user) else None
    agency_id = parse_id(request.args.get("organisation"))
    sector = request.args.get("sector")
    return ComplianceFilters(partnership_id, agency_id, sector if sector in SECTORS else None)


def _filter_args(filters: ComplianceFilters) -> dict[str, Any]:
    args = {"partnership": filters.partnership_id, "organisation": filters.agency_id, "sector": filters.sector}
    return {key: value for key, value in args.items() if value}


def _choices() -> dict[str, object]:
    agencies = db.session.execute(
        select(Agency.id, Agency.name)
        .where(compliance_organisations_condition(current_user), Agency.status != OrganisationStatus.MERGED)
        .order_by(Agency.name)
    ).all()
    partnerships = (
        db.session.execute(select(Partnership.id, Partnership.name).order_by(Partnership.name)).all()
        if sees_all_partnerships(current_user)
        else []
    )
    return {"agencies": agencies, "partnerships": partnerships, "sectors": SECTORS}


@bp.route("/records/compliance")
@login_required
def compliance() -> ResponseReturnValue:
    require(may_see_compliance(current_user))
    filters = _filters()
    today = london_today()
    figures = compliance_figures(current_user, filters, requirements(), today)
    return render_template(
        "records/compliance.html",
        figures=figures,
        filters=filters,
        filter_args=_filter_args(filters),
        today=today,
        statuses=list(RequirementStatus),
        may_see_names=may_see_compliance_names(current_user),
        **_choices(),
    )


@bp.route("/records/compliance/requirements/<int:requirement_id>/people")
@login_required
def compliance_people(requirement_id: int) -> ResponseReturnValue:
    require(may_see_compliance_names(current_user))
    requirement = db.session.get(TrainingRequirement, requirement_id)
    if requirement is None:
        abort(404)
    raw_status = request.args.get("status", "")
    status = RequirementStatus(raw_status) if RequirementStatus.includes(raw_status) else None
    filters = _filters()
    today = london_today()
    page, people = people_with_status(
        current_user, filters, requirement, status, today, requested_page(), PEOPLE_PER_PAGE
    )
    # Names with their training status are part of people's records: the look is audited.
    record_audit(
        current_user,
        "compliance.people_viewed",
        requirement,
        status=status.value if status else None,
        filters=_filter_args(filters),
        people=[p.user_id for p in people],
    )
    db.session.commit()
    args: dict[str, Any] = {
        **_filter_args(filters),
        "requirement_id": requirement.id,
        **({"status": status.value} if status else {}),
    }
    return render_template(
        "records/compliance_people.html",
        requirement=requirement,
        status=status,
        people=people,
        page=page,
        filter_args=_filter_args(filters),
        page_url=lambda number: url_for("records.compliance_people", page=number, **args),
    )


@bp.route("/records/compliance.csv")
@login_required
def compliance_csv() -> ResponseReturnValue:
    require(may_see_compliance_names(current_user))
    filters = _filters()
    record_audit(current_user, "compliance.exported", current_user, filters=_filter_args(filters))
    db.session.commit()
    rows = compliance_csv_rows(current_user, filters, requirements(), london_today())
    return csv_response(rows, f"compliance-{clock.now():%Y-%m-%d}.csv")
