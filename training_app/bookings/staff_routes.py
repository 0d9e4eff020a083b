"""Pages for the training team's session tools: book someone on, email the delegates."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from ..auth.services import find_user_by_email
from ..errors import show_error
from ..extensions import db
from ..models.vocabulary import MessageAudience
from ..permissions import admin_required
from . import bp
from .errors import BookingError
from .routes import managed_session
from .staff import book_on_behalf, email_session
from .staff_forms import BookOnBehalfForm, SessionMessageForm


@bp.route("/admin/sessions/<int:session_id>/book-someone", methods=["GET", "POST"])
@admin_required
def book_someone(session_id: int) -> ResponseReturnValue:
    course_session = managed_session(session_id)
    form = BookOnBehalfForm()
    if form.validate_on_submit():
        person = find_user_by_email(form.email.data)
        try:
            result = book_on_behalf(current_user, person, course_session.id, form.access_needs.data)
        except BookingError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            where = (
                f"number {result.waitlist_position} on the waiting list"
                if result.waitlist_position
                else "booked on, with a place"
            )
            flash(f"{result.booking.user.name} is {where}. They have been emailed.", "success")
            return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))
    return render_template("bookings/admin_book_someone.html", course_session=course_session, form=form)


@bp.route("/admin/sessions/<int:session_id>/email", methods=["GET", "POST"])
@admin_required
def email_delegates(session_id: int) -> ResponseReturnValue:
    course_session = managed_session(session_id)
    form = SessionMessageForm()
    if form.validate_on_submit():
        try:
            sent = email_session(
                current_user, course_session, MessageAudience(form.audience.data), form.subject.data, form.message.data
            )
        except BookingError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"Your message is on its way to {sent} {'person' if sent == 1 else 'people'}.", "success")
            return redirect(url_for("bookings.admin_session_bookings", session_id=session_id))
    return render_template("bookings/admin_email.html", course_session=course_session, form=form)
