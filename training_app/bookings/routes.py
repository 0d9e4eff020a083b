"""Delegates' bookings, trainers' registers and the team's per-session booking management."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..audit_text import describe
from ..certificates.eligibility import availabilities
from ..constants import SIGN_IN_SHEET_WALK_IN_ROWS
from ..csvutil import csv_response
from ..errors import show_error
from ..evaluations.due import outstanding_evaluations
from ..extensions import db
from ..models import Booking, BookingStatus, CourseSession
from ..pdf import pdf_response_headers, render_pdf
from ..permissions import admin_required, can_manage_session, can_see_register, owns_booking, partnership_scope, require
from ..web import session_when
from . import bp, queries
from .approvals import set_manager
from .attendance import complete_elearning, record_attendance
from .errors import BookingError, ManagerMissing, UnknownSession
from .forms import BookingForm, CancelDelegateForm, CancelForm, CapacityForm, MoveForm, PostponeForm, ReasonForm
from .offers import offer_is_open
from .services import (
    book_place,
    cancel_booking,
    cancellation_deadline,
    waiting_list,
)
from .sessions import cancel_session, postpone_session
from .team_changes import change_capacity, move_booking


def fail(error, endpoint, **values):
    """Undo the attempted change and show the rule's message on the next page."""
    db.session.rollback()
    show_error(error)
    return redirect(url_for(endpoint, **values))


# --------------------------------------------------------------------------- delegates


@bp.route("/sessions/<int:session_id>/book", methods=["POST"])
@login_required
def book(session_id):
    form = BookingForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for("catalogue.session_detail", session_id=session_id))
    try:
        if form.manager_email.data or form.manager_name.data:
            # Asked for at booking when the course needs the manager's approval: saved to the account.
            if not (form.manager_email.data and form.manager_name.data):
                raise ManagerMissing()
            set_manager(current_user, current_user, form.manager_name.data, form.manager_email.data)
        result = book_place(current_user, session_id, form.access_needs.data)
        db.session.commit()
    except UnknownSession:
        db.session.rollback()
        abort(404)
    except BookingError as error:
        return fail(error, "catalogue.session_detail", session_id=session_id)
    if result.awaiting_approval:
        flash(
            f"We have asked {current_user.manager_name} to approve your booking, and we are holding a place "
            "for you until they answer. We will email you when they do.",
            "success",
        )
    elif result.waitlist_position:
        flash(
            f"The session is full, so you are on the waiting list: number {result.waitlist_position}. "
            "We will email you if a place becomes free.",
            "success",
        )
    else:
        flash("Your place is booked. We have emailed you a confirmation with a calendar invitation.", "success")
    return redirect(url_for("catalogue.session_detail", session_id=session_id))


@bp.route("/my-training")
@login_required
def my_training():
    now = clock.now()
    groups = queries.my_training(current_user, now)
    return render_template(
        "bookings/my_training.html",
        groups=groups,
        completions=groups.completions,
        outstanding=outstanding_evaluations(current_user, now),
        certificates=availabilities((b for b, _ in groups.past), now),
        deadline=cancellation_deadline,
        offer_is_open=offer_is_open,
        now=now,
    )


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(owns_booking(current_user, booking))
    form = CancelForm()
    if form.validate_on_submit():
        try:
            cancel_booking(current_user, booking)
            db.session.commit()
        except BookingError as error:
            return fail(error, "bookings.my_training")
        flash(f"Your booking for {booking.session.course.title} has been cancelled.", "success")
        return redirect(url_for("bookings.my_training"))
    return render_template(
        "bookings/cancel.html",
        booking=booking,
        form=form,
        deadline=cancellation_deadline(booking.session),
        now=clock.now(),
    )


@bp.route("/courses/<slug>/complete", methods=["POST"], endpoint="complete_elearning")
@login_required
def complete_elearning_view(slug):
    course = queries.course_by_slug(slug)
    if course is None:
        abort(404)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        _, created = complete_elearning(current_user, course)
        db.session.commit()
    except BookingError as error:
        return fail(error, "catalogue.course", slug=slug)
    flash(
        f"Your completion of {course.title} has been recorded."
        if created
        else f"You have already recorded completing {course.title}.",
        "success",
    )
    return redirect(url_for("bookings.my_training"))


# --------------------------------------------------------------------------- trainers


@bp.route("/trainer/sessions")
@login_required
def trainer_sessions():
    sessions = queries.trainer_sessions(current_user)
    now = clock.now()
    return render_template(
        "bookings/trainer_sessions.html",
        upcoming=[s for s in sessions if s.ends_at > now],
        past=[s for s in sessions if s.ends_at <= now][::-1],
        now=now,
    )


@bp.route("/trainer/sessions/<int:session_id>/register", methods=["GET", "POST"])
@login_required
def register(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_see_register(current_user, course_session))
    people = queries.attendees(course_session)
    form = CancelForm()  # CSRF only; the marks are radio groups named attendance-<booking id>
    errors = []
    if request.method == "POST" and form.validate_on_submit():
        marks = {}
        for booking in people:
            value = request.form.get(f"attendance-{booking.id}")
            if value in BookingStatus.ATTENDANCE:
                marks[booking.id] = value
            elif value:
                errors.append(
                    {
                        "text": f"Choose attended or did not attend for {booking.user.name}",
                        "href": f"#attendance-{booking.id}",
                    }
                )
        if not errors and not marks:
            errors.append(
                {
                    "text": "Mark at least one delegate as attended or did not attend",
                    "href": f"#attendance-{people[0].id}" if people else "#main-content",
                }
            )
        if not errors:
            try:
                record_attendance(current_user, course_session, marks)
                db.session.commit()
            except BookingError as error:
                return fail(error, "bookings.register", session_id=session_id)
            flash(
                f"Register saved: {sum(1 for v in marks.values() if v == BookingStatus.ATTENDED)} attended, "
                f"{sum(1 for v in marks.values() if v == BookingStatus.NO_SHOW)} did not attend.",
                "success",
            )
            return redirect(url_for("bookings.register", session_id=session_id))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "bookings/register.html",
        course_session=course_session,
        people=people,
        form=form,
        errors=errors,
        register_open=course_session.starts_at <= clock.now(),
        # "Mark everyone as attended": pre-ticks the unmarked; nothing is saved until the form is sent.
        prefill=request.method == "GET" and request.args.get("prefill") == BookingStatus.ATTENDED,
    )


@bp.route("/trainer/sessions/<int:session_id>/register.csv")
@login_required
def register_csv(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_see_register(current_user, course_session))
    return csv_response(queries.register_csv_rows(course_session), f"register-session-{course_session.id}.csv")


@bp.route("/trainer/sessions/<int:session_id>/sign-in-sheet")
@login_required
def sign_in_sheet(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_see_register(current_user, course_session))
    return render_template(
        "bookings/sign_in_sheet.html",
        course_session=course_session,
        people=queries.attendees(course_session),
        walk_in_rows=SIGN_IN_SHEET_WALK_IN_ROWS,
    )


@bp.route("/trainer/sessions/<int:session_id>/sign-in-sheet.pdf")
@login_required
def sign_in_sheet_pdf(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_see_register(current_user, course_session))
    pdf = render_pdf(
        "pdf/sign_in_sheet.html",
        course_session=course_session,
        people=queries.attendees(course_session),
        walk_in_rows=SIGN_IN_SHEET_WALK_IN_ROWS,
    )
    return make_response(pdf, 200, pdf_response_headers(f"sign-in-sheet-session-{course_session.id}.pdf"))


# --------------------------------------------------------------------------- the team


def managed_session(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_manage_session(current_user, course_session))
    return course_session


@bp.route("/admin/sessions/<int:session_id>/bookings")
@admin_required
def admin_session_bookings(session_id):
    course_session = managed_session(session_id)
    all_bookings = queries.session_bookings(course_session)
    audit = queries.session_audit(course_session)
    return render_template(
        "bookings/admin_session.html",
        course_session=course_session,
        confirmed=[b for b in all_bookings if b.status in BookingStatus.HOLDS_PLACE],
        waitlist=waiting_list(session_id),
        cancelled=[b for b in all_bookings if b.status == BookingStatus.CANCELLED],
        audit=describe(audit),
        capacity_form=CapacityForm(capacity=course_session.capacity),
    )


@bp.route("/admin/sessions/<int:session_id>/capacity", methods=["POST"])
@admin_required
def admin_capacity(session_id):
    course_session = managed_session(session_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "error")
        return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))
    try:
        promoted = change_capacity(current_user, course_session, form.capacity.data)
        db.session.commit()
    except BookingError as error:
        return fail(error, "bookings.admin_session_bookings", session_id=session_id)
    flash(
        f"Capacity is now {form.capacity.data}."
        + (f" {len(promoted)} promoted from the waiting list." if promoted else ""),
        "success",
    )
    return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))


@bp.route("/admin/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@admin_required
def admin_cancel_session(session_id):
    course_session = managed_session(session_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            affected = cancel_session(current_user, course_session, form.reason.data)
            db.session.commit()
        except BookingError as error:
            return fail(error, "bookings.admin_session_bookings", session_id=session_id)
        flash(f"The session is cancelled and {len(affected)} delegates have been told.", "success")
        return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))
    return render_template("bookings/admin_cancel_session.html", course_session=course_session, form=form)


@bp.route("/admin/sessions/<int:session_id>/postpone", methods=["GET", "POST"])
@admin_required
def admin_postpone_session(session_id):
    course_session = managed_session(session_id)
    form = PostponeForm()
    if form.validate_on_submit():
        times = form.new_times()
        if times is not False:
            try:
                postpone_session(current_user, course_session, form.reason.data, *times)
                db.session.commit()
            except BookingError as error:
                db.session.rollback()
                show_error(error, form)
            else:
                flash("The session is postponed and every delegate has been told.", "success")
                return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))
    return render_template("bookings/admin_postpone_session.html", course_session=course_session, form=form)


@bp.route("/admin/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@admin_required
def admin_cancel_booking(booking_id):
    """Cancel one delegate: a confirmation page asking for the reason the delegate is sent."""
    booking = db.get_or_404(Booking, booking_id)
    require(can_manage_session(current_user, booking.session))
    form = CancelDelegateForm()
    if form.validate_on_submit():
        try:
            cancel_booking(current_user, booking, as_admin=True, reason=form.reason.data)
            db.session.commit()
        except BookingError as error:
            return fail(error, "bookings.admin_session_bookings", session_id=booking.session_id)
        flash(f"{booking.user.name}'s booking is cancelled and they have been told why.", "success")
        return redirect(url_for("bookings.admin_session_bookings", session_id=booking.session_id))
    return render_template(
        "bookings/admin_cancel_booking.html",
        booking=booking,
        form=form,
        late=booking.status == BookingStatus.CONFIRMED and clock.now() >= cancellation_deadline(booking.session),
    )


@bp.route("/admin/bookings/<int:booking_id>/move", methods=["GET", "POST"])
@admin_required
def admin_move_booking(booking_id):
    booking = db.get_or_404(Booking, booking_id)
    require(can_manage_session(current_user, booking.session))
    # A delegate moves only to sessions the admin's partnership runs (any, for a system admin).
    others = queries.move_targets(booking, clock.now(), partnership_scope(current_user))
    form = MoveForm()
    form.target_session.choices = [SelectChoice("", "Choose a session")] + [
        SelectChoice(str(s.id), session_when(s)) for s in others
    ]
    if form.validate_on_submit():
        try:
            moved = move_booking(current_user, booking, form.target_session.data)
            db.session.commit()
        except BookingError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            flash(f"{booking.user.name} has been moved and told by email.", "success")
            return redirect(url_for("bookings.admin_session_bookings", session_id=moved.session_id))
    return render_template("bookings/admin_move.html", booking=booking, form=form, has_options=bool(others))
