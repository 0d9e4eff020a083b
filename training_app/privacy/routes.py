"""Data-protection pages: download your data, close your account; the audit log for system admins."""

import json
from typing import Any

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.datastructures import MultiDict

from ..audit_text import describe
from ..errors import show_error
from ..extensions import db
from ..models import Role
from ..pagination import requested_page
from ..permissions import roles_required
from . import bp
from .forms import AuditFilterForm, CloseAccountForm
from .services import AccountAlreadyClosed, audit_actions, audit_page, close_account, export_data


@bp.route("/account/data.json", endpoint="export_data")
@login_required
def export_data_view():
    body = json.dumps(export_data(current_user), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-training-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/close", methods=["GET", "POST"], endpoint="close_account")
@login_required
def close_account_view():
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            close_account(current_user, current_user)
        except AccountAlreadyClosed as error:
            show_error(error)
            return redirect(url_for("catalogue.index"))
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your account has been closed and your future places cancelled.", "success")
        return redirect(url_for("catalogue.index"))
    return render_template("privacy/close_account.html", form=form)


@bp.route("/admin/audit", endpoint="audit_log")
@roles_required(Role.SYSTEM_ADMIN)
def audit_log():
    form = AuditFilterForm(formdata=MultiDict(request.args) if request.args else None)
    form.set_actions(audit_actions())
    valid = form.validate() if request.args else True
    action = form.action.data if valid or not form.action.errors else None
    actor = form.actor.data if valid or not form.actor.errors else None
    result = audit_page(requested_page(), action=action or None, actor=actor or None)
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k in ("action", "actor") and v}

    def page_url(number):
        return url_for("privacy.audit_log", page=number, **args)

    return render_template(
        "privacy/audit_log.html", filter_form=form, result=result, events=describe(result.items), page_url=page_url
    )
