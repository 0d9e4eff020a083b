"""The demand report's page and CSV (the reports blueprint)."""

from flask import Response
from flask_login import current_user

from .. import clock
from ..csvutil import csv_response
from ..permissions import admin_required
from . import bp
from .demand import demand_report, demand_rows
from .routes import filter_form, render_report


@bp.route("/demand")
@admin_required
def demand() -> str:
    form = filter_form()
    report = demand_report(current_user, form.filters(), clock.now())
    return render_report("reports/demand.html", filter_form=form, report=report)


@bp.route("/demand.csv")
@admin_required
def demand_csv() -> Response:
    report = demand_report(current_user, filter_form().filters(), clock.now())
    return csv_response(demand_rows(report), "demand.csv")
