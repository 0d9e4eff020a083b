"""Evidence for the board (issue 16): the traceability of case reviews and the annual pack document."""

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..csvutil import csv_response
from ..extensions import db
from ..models.reviews import CaseReview
from ..pdf import pdf_response_headers, render_pdf
from ..permissions import admin_required, may_manage_review, require, reviews_condition
from . import bp
from .annual import EVALUATIONS_PENDING
from .pack import annual_pack
from .pack_exports import pack_rows, trace_rows
from .pack_sections import annual_extras
from .routes import filter_args, filter_form
from .traceability import load_review, traceability_report


def review_or_abort(review_id: int) -> CaseReview:
    review = load_review(review_id)
    if review is None:
        abort(404)
    require(may_manage_review(current_user, review))
    return review


@bp.route("/reviews")
@admin_required
def reviews() -> ResponseReturnValue:
    rows = db.session.scalars(
        select(CaseReview)
        .where(reviews_condition(current_user))
        .order_by(CaseReview.published_on.desc(), CaseReview.id)
    ).all()
    return render_template("reports/reviews.html", reviews=rows)


@bp.route("/reviews/<int:review_id>")
@admin_required
def traceability(review_id: int) -> ResponseReturnValue:
    review = review_or_abort(review_id)
    form = filter_form()
    report = traceability_report(current_user, review, form.filters(), clock.now())
    return render_template(
        "reports/traceability.html",
        filter_form=form,
        filter_args=filter_args(),
        report=report,
        printable=request.args.get("print") == "1",
    )


@bp.route("/reviews/<int:review_id>.csv")
@admin_required
def traceability_csv(review_id: int) -> ResponseReturnValue:
    review = review_or_abort(review_id)
    report = traceability_report(current_user, review, filter_form().filters(), clock.now())
    return csv_response(trace_rows(report), f"review-{review.id}-traceability.csv")


@bp.route("/annual.pdf")
@admin_required
def annual_pdf() -> ResponseReturnValue:
    pack = annual_pack(current_user, filter_form().filters(), clock.now())
    extras = annual_extras(pack.report.filters)  # cascade and quotes, as on the annual page
    pdf = render_pdf("pdf/annual_pack.html", pack=pack, extras=extras, evaluations_pending=EVALUATIONS_PENDING)
    return Response(pdf, headers=pdf_response_headers(f"annual-report-{pack.report.filters.date_from.year}.pdf"))


@bp.route("/annual-pack.csv")
@admin_required
def annual_pack_csv() -> ResponseReturnValue:
    pack = annual_pack(current_user, filter_form().filters(), clock.now())
    return csv_response(pack_rows(pack), "annual-report-pack.csv")
