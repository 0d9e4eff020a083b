"""The agency lead's staff pages: the list with counts (and its CSV), one person, and booking a member
of staff onto a session. Every page is for agency leads only, about their organisations' staff only
(permissions.lead_staff_condition / may_lead_person): another organisation's person is a 403."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..admin.accounts import record_person_viewed
from ..admin.people_queries import person_bookings, person_completions
from ..bookings.errors import BookingError
from ..bookings.staff import book_on_behalf
from ..bookings.state import booking_state
from ..constants import ADMIN_USERS_PAGE_SIZE
from ..csvutil import csv_response
from ..errors import show_error
from ..extensions import db
from ..ids import parse_id
from ..models import Agency, BookingStatus, Role, User
from ..pagination import requested_page
from ..permissions import may_lead_agency, may_lead_person, require, roles_required
from ..timefmt import london_datetime
from . import bp
from .forms import BookStaffForm
from .queries import RECENT_DAYS, bookable_sessions, led_agencies, staff_counts, staff_csv_rows

lead_required = roles_required(Role.AGENCY_LEAD)


def requested_agency_id() -> int | None:
    """The ?organisation= filter: None when absent; 404 for junk or an unknown organisation, 403 for an
    organisation the lead does not lead."""
    raw = request.args.get("organisation")
    if not raw:
        return None
    agency_id = parse_id(raw)
    if agency_id is None or db.session.get(Agency, agency_id) is None:
        abort(404)
    require(may_lead_agency(current_user, agency_id))
    return agency_id


def staff_member(user_id: int) -> User:
    """The person `user_id` if they work for one of the lead's organisations: 404 for none or a closed
    account, 403 for anyone else's staff."""
    person = db.get_or_404(User, user_id)
    if person.closed_at is not None:
        abort(404)
    require(may_lead_person(current_user, person))
    return person


@bp.route("/staff")
@lead_required
def staff() -> ResponseReturnValue:
    agency_id = requested_agency_id()
    rows, pages = staff_counts(current_user, agency_id, clock.now(), requested_page(), ADMIN_USERS_PAGE_SIZE)

    def page_url(number: int) -> str:
        return url_for("agency.staff", organisation=agency_id, page=number)

    return render_template(
        "agency/staff.html",
        rows=rows,
        page=pages.page,
        pages=pages.pages,
        total=pages.total,
        page_url=page_url,
        agencies=led_agencies(current_user),
        agency_id=agency_id,
        recent_days=RECENT_DAYS,
    )


@bp.route("/staff.csv")
@lead_required
def staff_csv() -> ResponseReturnValue:
    agency_id = requested_agency_id()
    return csv_response(staff_csv_rows(current_user, agency_id, clock.now()), "staff-training.csv")


@bp.route("/staff/<int:user_id>")
@lead_required
def person(user_id: int) -> ResponseReturnValue:
    shown = staff_member(user_id)
    now = clock.now()
    bookings = person_bookings(shown)
    page = render_template(
        "agency/person.html",
        person=shown,
        bookings=[(b, booking_state(b, now)) for b in bookings],
        attended=[b for b in bookings if b.status == BookingStatus.ATTENDED],
        completions=person_completions(shown),
        waiting=[b for b in bookings if b.status == BookingStatus.AWAITING_APPROVAL],
    )
    record_person_viewed(current_user, shown)  # records are personal data, as on the admin person page
    db.session.commit()
    return page


@bp.route("/staff/<int:user_id>/book", methods=["GET", "POST"])
@lead_required
def book(user_id: int) -> ResponseReturnValue:
    """Book a member of staff onto a session: the same rules as their own booking (book_on_behalf)."""
    member = staff_member(user_id)
    sessions = bookable_sessions(clock.now())
    form = BookStaffForm()
    form.session_id.choices = [SelectChoice("", "Choose a session")] + [
        SelectChoice(str(s.id), f"{s.course.title}: {london_datetime(s.starts_at)}, {s.location_label}")
        for s in sessions
    ]
    if form.validate_on_submit():
        session_id = form.session_id.data
        if member.deactivated_at is not None:
            form.form_errors.append(f"{member.name}'s account is deactivated, so they cannot be booked on.")
        elif session_id is None:
            form.session_id.errors.append("Choose a session")
        else:
            try:
                result = book_on_behalf(current_user, member, session_id, form.access_needs.data)
            except BookingError as error:
                db.session.rollback()
                # The messages of book_on_behalf name the email field of the team's form.
                show_error(BookingError(error.message, field="session_id"), form)
            else:
                db.session.commit()
                if result.awaiting_approval:
                    what = "has a place held while their booking awaits approval: you can approve it now"
                elif result.waitlist_position:
                    what = f"is number {result.waitlist_position} on the waiting list"
                else:
                    what = "is booked on, with a place"
                flash(f"{member.name} {what}. They have been emailed.", "success")
                return redirect(url_for("agency.person", user_id=member.id))
    return render_template("agency/book.html", person=member, form=form, sessions=sessions)
