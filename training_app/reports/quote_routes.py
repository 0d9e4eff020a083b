"""Choosing quotes for the annual pack from comments delegates agreed may be quoted."""

from flask import Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import clock
from ..errors import show_error
from ..evaluations.errors import EvaluationError
from ..evaluations.quotes import pick_quote, quote_candidates
from ..extensions import db
from ..models.evaluations import EvaluationResponse
from ..permissions import admin_required, may_pick_quote, report_scope, require
from . import bp
from .pack_sections import evaluation_scope
from .routes import filter_args, filter_form, render_report


@bp.route("/quotes")
@admin_required
def quotes() -> str:
    form = filter_form()
    filters = report_scope(current_user, form.filters())
    return render_report(
        "reports/quotes.html",
        filter_form=form,
        report={"filters": filters},  # the filters partial names the period and scope shown
        quotes=quote_candidates(evaluation_scope(filters)),
        form=None,
    )


@bp.route("/quotes/<int:response_id>", methods=["POST"])
@admin_required
def pick(response_id: int) -> Response:
    response = db.get_or_404(EvaluationResponse, response_id)
    require(may_pick_quote(current_user, response))
    if not FlaskForm().validate_on_submit():
        abort(400)
    picked = request.form.get("pick") == "1"
    try:
        pick_quote(current_user, response, picked, clock.now())
        db.session.commit()
    except EvaluationError as error:
        db.session.rollback()
        show_error(error)
    else:
        flash("Quote added to the pack." if picked else "Quote taken out of the pack.", "success")
    return redirect(url_for("reports.quotes", **filter_args()) + f"#quote-{response_id}")  # type: ignore[return-value]
