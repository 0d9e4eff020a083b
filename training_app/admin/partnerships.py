"""Partnerships: system administrators list, add, rename, retire and reinstate them (no merging: see
partnership_services)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from ..errors import show_error
from ..extensions import db
from ..models import Partnership
from ..permissions import admin_required, may_manage_partnerships, require
from . import bp
from .organisation_forms import PartnershipForm
from .organisation_queries import partnerships_with_counts
from .partnership_services import (
    PartnershipError,
    create_partnership,
    reinstate_partnership,
    rename_partnership,
    retire_partnership,
)


def partnership_or_abort(partnership_id: int) -> Partnership:
    require(may_manage_partnerships(current_user))
    return db.get_or_404(Partnership, partnership_id)


@bp.route("/partnerships")
@admin_required
def partnerships() -> str:
    require(may_manage_partnerships(current_user))
    return render_template("admin/partnerships/list.html", rows=partnerships_with_counts())


@bp.route("/partnerships/new", methods=["GET", "POST"])
@admin_required
def partnership_new() -> ResponseReturnValue:
    require(may_manage_partnerships(current_user))
    form = PartnershipForm()
    if form.validate_on_submit():
        try:
            partnership = create_partnership(current_user, form.code.data, form.name.data)
        except PartnershipError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"{partnership.label} has been added.", "success")
            return redirect(url_for("admin.partnerships"))
    return render_template("admin/partnerships/form.html", form=form, partnership=None)


@bp.route("/partnerships/<int:partnership_id>/edit", methods=["GET", "POST"])
@admin_required
def partnership_edit(partnership_id: int) -> ResponseReturnValue:
    partnership = partnership_or_abort(partnership_id)
    form = PartnershipForm(obj=partnership if request.method == "GET" else None)
    del form.code  # the code stays: filters, exports and links use it
    if form.validate_on_submit():
        try:
            changed = rename_partnership(current_user, partnership, form.name.data)
        except PartnershipError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash("The partnership has been renamed." if changed else "Nothing was changed.", "success")
            return redirect(url_for("admin.partnerships"))
    return render_template("admin/partnerships/form.html", form=form, partnership=partnership)


def _change_status(partnership_id: int, retire: bool) -> ResponseReturnValue:
    partnership = partnership_or_abort(partnership_id)
    if (partnership.retired_at is None) != retire:
        abort(404)
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            (retire_partnership if retire else reinstate_partnership)(current_user, partnership)
        except PartnershipError as error:
            db.session.rollback()
            show_error(error)
        else:
            db.session.commit()
            flash(
                f"{partnership.label} has been {'retired' if retire else 'reinstated'}.",
                "success",
            )
        return redirect(url_for("admin.partnerships"))
    return render_template("admin/partnerships/status.html", partnership=partnership, form=form, retire=retire)


@bp.route("/partnerships/<int:partnership_id>/retire", methods=["GET", "POST"])
@admin_required
def partnership_retire(partnership_id: int) -> ResponseReturnValue:
    return _change_status(partnership_id, retire=True)


@bp.route("/partnerships/<int:partnership_id>/reinstate", methods=["GET", "POST"])
@admin_required
def partnership_reinstate(partnership_id: int) -> ResponseReturnValue:
    return _change_status(partnership_id, retire=False)
