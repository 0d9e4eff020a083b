"""Report pages and CSV downloads for partnership and system administrators."""

from flask import current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import clock
from ..constants import REPORT_SESSIONS_PER_PAGE
from ..csvutil import csv_response
from ..pagination import paginate, requested_page
from ..permissions import admin_required, report_scope
from . import bp
from .annual import EVALUATIONS_PENDING, annual_report
from .capacity import capacity_report
from .exports import annual_rows, bookings_rows, capacity_rows, rate, reach_rows
from .forms import ReportFilterForm
from .non_attendance import REPEATED_NO_SHOWS, invoice_rows, non_attendance_report
from .pack_sections import annual_extras
from .queries import courses_in_scope, partnership_choices
from .reach import reach_report
from .scope import ReportForbidden
from .suites import suites_of

FILTER_NAMES = ("date_from", "date_to", "partnership", "course", "level")


@bp.errorhandler(ReportForbidden)
def report_forbidden(error):
    return render_template("errors/403.html"), 403


@bp.app_template_filter("rate")
def rate_filter(value):
    return rate(value) or "–"


def filter_form():
    """The filter form for the signed-in admin, validated against the query string."""
    args = MultiDict((name, request.args.get(name, "")) for name in FILTER_NAMES if name in request.args)
    form = ReportFilterForm.for_actor(current_user, args or None, partnership_choices(), courses_in_scope(current_user))
    if args:
        form.validate()
    return form


def filter_args():
    """The query string's filter values, to carry into CSV and pagination links."""
    return {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}


def capacity_for_request():
    """The capacity report the filters ask for, with the configured under-filled rule."""
    return capacity_report(
        current_user,
        filter_form().filters(),
        clock.now(),
        underfilled_days=current_app.config["REPORTS_UNDERFILLED_DAYS"],
        underfilled_threshold=current_app.config["REPORTS_UNDERFILLED_THRESHOLD"],
    )


def render_report(template, **context):
    return render_template(template, filter_args=filter_args(), **context)


@bp.route("/")
@admin_required
def index():
    return render_template("reports/index.html")


@bp.route("/capacity")
@admin_required
def capacity():
    form = filter_form()
    report = capacity_for_request()
    pages = paginate(len(report.sessions), REPORT_SESSIONS_PER_PAGE, requested_page())

    def page_url(number):
        return url_for("reports.capacity", page=number, **filter_args()) + "#sessions"

    return render_report(
        "reports/capacity.html",
        filter_form=form,
        report=report,
        shown=pages.slice(report.sessions),
        page=pages.page,
        pages=pages.pages,
        page_url=page_url,
    )


@bp.route("/capacity.csv")
@admin_required
def capacity_csv():
    return csv_response(capacity_rows(capacity_for_request()), "capacity.csv")


@bp.route("/reach")
@admin_required
def reach():
    form = filter_form()
    return render_report("reports/reach.html", filter_form=form, report=reach_report(current_user, form.filters()))


@bp.route("/reach.csv")
@admin_required
def reach_csv():
    return csv_response(reach_rows(reach_report(current_user, filter_form().filters())), "reach.csv")


@bp.route("/annual")
@admin_required
def annual():
    form = filter_form()
    report = annual_report(current_user, form.filters(), clock.now())
    return render_report(
        "reports/annual.html",
        filter_form=form,
        report=report,
        suites=suites_of(report, clock.now()),
        printable=request.args.get("print") == "1",
        evaluations_pending=EVALUATIONS_PENDING,
        extras=annual_extras(report.filters),  # quotes and cascade (pack_sections.py)
    )


@bp.route("/annual.csv")
@admin_required
def annual_csv():
    report = annual_report(current_user, filter_form().filters(), clock.now())
    return csv_response(annual_rows(report), "annual-report.csv")


@bp.route("/non-attendance")
@admin_required
def non_attendance():
    form = filter_form()
    report = non_attendance_report(current_user, form.filters(), clock.now(), requested_page())

    def page_url(number):
        return url_for("reports.non_attendance", page=number, **filter_args()) + "#by-person"

    return render_report(
        "reports/non_attendance.html",
        filter_form=form,
        report=report,
        repeated_threshold=REPEATED_NO_SHOWS,
        page_url=page_url,
    )


@bp.route("/non-attendance.csv")
@admin_required
def non_attendance_csv():
    report = non_attendance_report(current_user, filter_form().filters(), clock.now(), people_page=None)
    return csv_response(invoice_rows(report), "non-attendance-by-organisation.csv")


@bp.route("/bookings.csv")
@admin_required
def bookings_csv():
    filters = report_scope(current_user, filter_form().filters())
    return csv_response(bookings_rows(current_user, filters), "bookings.csv")
