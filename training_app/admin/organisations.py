"""Organisations: the list (filter, search, the approval queue), add, edit, approve, merge, retire and
reinstate. System admins manage every organisation; a partnership admin those in their area
(permissions.can_manage_organisation), and adds organisations only there (organisation_area_for)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ..constants import ADMIN_ORGANISATIONS_PAGE_SIZE
from ..errors import show_error
from ..extensions import db
from ..models import Agency, OrganisationStatus, Partnership
from ..pagination import requested_page
from ..permissions import (
    admin_required,
    can_manage_organisation,
    organisation_area_for,
    require,
    sees_all_partnerships,
)
from . import bp
from .organisation_forms import MergeForm, OrganisationForm
from .organisation_queries import OrganisationFilters, merge_targets, organisation_page, pending_count
from .organisation_services import (
    OrganisationError,
    approve_organisation,
    create_organisation,
    merge_counts,
    merge_organisation,
    reinstate_organisation,
    retire_organisation,
    update_organisation,
)
from .partnership_services import offered_partnerships
from .services import partnership_by_code, partnerships


def managed_organisation_or_abort(agency_id: int) -> Agency:
    agency = db.get_or_404(Agency, agency_id)
    require(can_manage_organisation(current_user, agency))
    return agency


def organisation_form(agency: Agency | None = None) -> OrganisationForm:
    """The form with its choices: system admins choose the area (running partnerships, plus the one the
    organisation already has); partnership admins do not."""
    form = OrganisationForm()
    keep = [agency.partnership_id] if agency is not None else []
    return form.offer(offered_partnerships(keep) if sees_all_partnerships(current_user) else None)


def submitted_area(form: OrganisationForm) -> int | None:
    requested = form.partnership_id.data if "partnership_id" in form._fields else None
    return organisation_area_for(current_user, requested)


@bp.route("/organisations")
@admin_required
def organisations() -> str:
    status = request.args.get("status", "")
    selected: Partnership | None = None
    if sees_all_partnerships(current_user):
        selected = partnership_by_code(request.args.get("partnership", ""))
    filters = OrganisationFilters(
        status=status if OrganisationStatus.includes(status) else None,
        partnership_id=selected.id if selected else None,
        q=(request.args.get("q") or "").strip()[:200],
    )
    rows, pages = organisation_page(current_user, filters, requested_page(), ADMIN_ORGANISATIONS_PAGE_SIZE)

    def page_url(number: int) -> str:
        return url_for(
            "admin.organisations",
            status=filters.status,
            partnership=selected.code if selected else None,
            q=filters.q or None,
            page=number,
        )

    return render_template(
        "admin/organisations/list.html",
        rows=rows,
        pages=pages,
        page_url=page_url,
        filters=filters,
        selected=selected,
        partnership_choices=partnerships() if sees_all_partnerships(current_user) else [],
        waiting=pending_count(current_user),
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def organisation_new() -> ResponseReturnValue:
    form = organisation_form()
    if form.validate_on_submit():
        try:
            agency = create_organisation(current_user, form.name.data, form.sector.data, submitted_area(form))
        except OrganisationError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"‘{agency.name}’ has been added.", "success")
            return redirect(url_for("admin.organisations", q=agency.name))
    return render_template("admin/organisations/form.html", form=form, agency=None)


@bp.route("/organisations/<int:agency_id>/edit", methods=["GET", "POST"])
@admin_required
def organisation_edit(agency_id: int) -> ResponseReturnValue:
    agency = managed_organisation_or_abort(agency_id)
    form = organisation_form(agency)
    if request.method == "GET":
        form.process(obj=agency)
    if agency.status != OrganisationStatus.MERGED and form.validate_on_submit():
        try:
            diff = update_organisation(current_user, agency, form.name.data, form.sector.data, submitted_area(form))
        except OrganisationError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash("Your changes have been saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("admin.organisations", q=agency.name))
    return render_template("admin/organisations/form.html", form=form, agency=agency, counts=merge_counts(agency))


@bp.route("/organisations/<int:agency_id>/approve", methods=["GET", "POST"])
@admin_required
def organisation_approve(agency_id: int) -> ResponseReturnValue:
    agency = managed_organisation_or_abort(agency_id)
    if agency.status != OrganisationStatus.PENDING:
        flash(f"‘{agency.name}’ is not waiting for approval.", "info")
        return redirect(url_for("admin.organisation_edit", agency_id=agency.id))
    form = organisation_form(agency)
    form.submit.label.text = "Approve"
    if request.method == "GET":
        form.process(obj=agency)
    if form.validate_on_submit():
        try:
            approve_organisation(current_user, agency, form.name.data, form.sector.data, submitted_area(form))
        except OrganisationError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"‘{agency.name}’ is approved and offered to everyone.", "success")
            return redirect(url_for("admin.organisations", status=OrganisationStatus.PENDING))
    return render_template("admin/organisations/approve.html", form=form, agency=agency)


@bp.route("/organisations/<int:agency_id>/merge", methods=["GET", "POST"])
@admin_required
def organisation_merge(agency_id: int) -> ResponseReturnValue:
    """Choose the organisation to merge into (a GET form), confirm with the counts, then POST to merge."""
    source = managed_organisation_or_abort(agency_id)
    if source.status not in OrganisationStatus.EDITABLE:
        abort(404)
    targets = merge_targets(current_user, source)
    chosen = request.method == "POST" or "target_id" in request.args
    form = MergeForm(request.args, meta={"csrf": False}) if request.method == "GET" else MergeForm()
    form.target_id.choices = [SelectChoice("", "Select an organisation")] + [
        SelectChoice(str(a.id), f"{a.name} ({a.sector})") for a in targets
    ]
    if chosen and form.validate():
        target = db.get_or_404(Agency, form.target_id.data)
        if request.method == "POST":
            try:
                moved = merge_organisation(current_user, source, target)
            except OrganisationError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                db.session.commit()
                flash(
                    f"‘{source.name}’ has been merged into ‘{target.name}’: {moved.people} "
                    f"{'person' if moved.people == 1 else 'people'} and {moved.bookings} "
                    f"{'booking' if moved.bookings == 1 else 'bookings'} moved.",
                    "success",
                )
                return redirect(url_for("admin.organisations", q=target.name))
        else:
            return render_template(
                "admin/organisations/merge_confirm.html",
                source=source,
                target=target,
                counts=merge_counts(source),
                form=MergeForm(target_id=str(target.id)),
            )
    return render_template("admin/organisations/merge.html", source=source, form=form, targets=targets)


def _change_status(agency_id: int, retire: bool) -> ResponseReturnValue:
    agency = managed_organisation_or_abort(agency_id)
    allowed = OrganisationStatus.IN_USE if retire else (OrganisationStatus.RETIRED,)
    if agency.status not in allowed:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            (retire_organisation if retire else reinstate_organisation)(current_user, agency)
        except OrganisationError as error:
            db.session.rollback()
            show_error(error)
        else:
            db.session.commit()
            flash(
                f"‘{agency.name}’ has been retired: it is no longer offered, and keeps its history."
                if retire
                else f"‘{agency.name}’ has been reinstated and is offered again.",
                "success",
            )
        return redirect(url_for("admin.organisation_edit", agency_id=agency.id))
    return render_template(
        "admin/organisations/status.html", agency=agency, form=form, retire=retire, counts=merge_counts(agency)
    )


@bp.route("/organisations/<int:agency_id>/retire", methods=["GET", "POST"])
@admin_required
def organisation_retire(agency_id: int) -> ResponseReturnValue:
    return _change_status(agency_id, retire=True)


@bp.route("/organisations/<int:agency_id>/reinstate", methods=["GET", "POST"])
@admin_required
def organisation_reinstate(agency_id: int) -> ResponseReturnValue:
    return _change_status(agency_id, retire=False)
