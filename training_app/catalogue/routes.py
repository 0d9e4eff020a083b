from typing import Any

from flask import abort, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..admin.suite_services import suite_filter_choices
from ..bookings.forms import BookingForm
from ..bookings.prerequisites import missing_level
from ..bookings.services import active_booking_for, latest_booking_for, other_place_on_course, waitlist_position
from ..bookings.state import booking_state
from ..contact import default_team, partnership_teams
from ..evaluations.services import follow_up_days
from ..extensions import db
from ..interest.queries import interest_context
from ..interest.services import has_head_start
from ..models import BookingStatus, CourseSession, CourseStatus
from ..pagination import requested_page
from ..permissions import can_run_course, review_learning_condition
from . import bp
from .forms import CatalogueFilterForm
from .review_learning import review_learning
from .services import (
    other_dates_with_places,
    places_left,
    published_course_or_none,
    search_catalogue,
    upcoming_sessions_for,
)

STATIC_PAGES = {"privacy": "Privacy notice", "accessibility": "Accessibility statement", "cookies": "Cookies"}


@bp.route("/")
def index():
    form = CatalogueFilterForm(formdata=MultiDict(request.args) if request.args else None)
    form.suite.choices += [SelectChoice(str(suite_id), name) for suite_id, name in suite_filter_choices()]
    if request.args:
        form.validate()
    filters = form.cleaned()
    result = search_catalogue(filters, page=requested_page(), per_page=current_app.config["CATALOGUE_PAGE_SIZE"])
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}

    def page_url(number):
        return url_for("catalogue.index", page=number, **args)

    return render_template(
        "catalogue/index.html",
        filter_form=form,
        filter_form_html=filters_html(form),
        result=result,
        page_url=page_url,
        filters=filters,
    )


FILTERS_KEPT = 256
_filters_rendered: dict[tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], Markup] = {}


def filters_html(form):
    """The filter form's HTML, kept per query string and suite list: it depends on nothing else (the
    template says so),
    and its GOV.UK macros were about 3 ms of the catalogue's 14 (issue 17). Bounded: the oldest of
    FILTERS_KEPT query strings is dropped first."""
    # The suites offered come from the database: a new or renamed suite is a new key.
    key = (tuple(request.args.items(multi=True)), tuple((c.value, c.label) for c in form.suite.choices))
    html = _filters_rendered.get(key)
    if html is None:
        html = Markup(render_template("catalogue/_filters.html", filter_form=form))
        if len(_filters_rendered) >= FILTERS_KEPT:
            _filters_rendered.pop(next(iter(_filters_rendered)))
        _filters_rendered[key] = html
    return html


@bp.route("/courses/<slug>")
def course(slug):
    course = published_course_or_none(slug)
    if course is None:
        abort(404)
    if course.status != CourseStatus.PUBLISHED and not can_run_course(current_user, course):
        abort(404)
    sessions = upcoming_sessions_for([course.id], {}, clock.now())[course.id]
    learning = review_learning(course.id, review_learning_condition(current_user))
    return render_template(
        "catalogue/course.html", course=course, sessions=sessions, review_learning=learning, **interest_context(course)
    )


@bp.route("/sessions/<int:session_id>")
def session_detail(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    if course_session.course.status != CourseStatus.PUBLISHED and not can_run_course(
        current_user, course_session.course
    ):
        abort(404)
    now = clock.now()
    signed_in = current_user.is_authenticated
    booking = active_booking_for(current_user, course_session) if signed_in else None
    position = waitlist_position(booking) if booking and booking.status == BookingStatus.WAITLISTED else None
    # Without an active booking, the person's last one says what happened to it (cancelled by whom, moved).
    last = booking or (latest_booking_for(current_user, course_session) if signed_in else None)
    # One place per course: a booking on another date of it is shown instead of the booking form.
    other_booking = (
        other_place_on_course(current_user, course_session, now)
        if signed_in and booking is None and not course_session.course.allow_repeat_bookings
        else None
    )
    left = places_left(course_session)
    head_start = signed_in and has_head_start(current_user, course_session)  # interest/services.py
    booking_open = (
        course_session.booking_open(now, head_start) and course_session.course.status == CourseStatus.PUBLISHED
    )
    show_other_dates = booking is None and other_booking is None and booking_open and not left
    return render_template(
        "catalogue/session.html",
        course_session=course_session,
        course=course_session.course,
        places_left=left,
        booking=booking,
        position=position,
        last_booking=last,
        booking_state=booking_state(last, now, position) if last else None,
        other_booking=other_booking,
        other_dates=other_dates_with_places(course_session, now) if show_other_dates else [],
        booking_open=booking_open,
        # Said before the Book button, not after it is pressed.
        missing_level=missing_level(current_user, course_session.course) if signed_in and not booking else None,
        form=None,
        # Only for someone who can book: the form makes a CSRF token, so a session cookie, for a visitor
        # too, and a visitor's page is the same for every visitor (page_cache.py).
        booking_form=BookingForm() if signed_in else None,
        **interest_context(course_session.course),
    )


@bp.route("/help", endpoint="help")
def help_page():
    """Answers to the common questions, with the rules' real settings and every partnership's team."""
    return render_template(
        "pages/help.html",
        teams=partnership_teams(),
        default_team=default_team(),
        cutoff_days=current_app.config["CANCELLATION_CUTOFF_WORKING_DAYS"],
        reminder_days=current_app.config["REMINDER_DAYS_BEFORE"],
        follow_up_days=follow_up_days(),
        auto_confirm_days=current_app.config["AUTO_CONFIRM_DAYS"],
        offer_hours=current_app.config["OFFER_HOURS"],
        approval_days=current_app.config["APPROVAL_WORKING_DAYS"],
    )


@bp.route("/help/<name>")
def page(name):
    if name not in STATIC_PAGES:
        abort(404)
    return render_template(f"pages/{name}.html", title=STATIC_PAGES[name])
