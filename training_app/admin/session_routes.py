"""The partnership team's pages for the sessions of a course: list, schedule (one session or a
weekly series), copy a session, and edit one.

Every view checks permission first: admin_required for the area, then can_run_course for the
course (every partnership it counts for may schedule, and copy any of its sessions) and
can_manage_session to edit one session (the partnership that runs it).
"""

from datetime import date, datetime, time

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..errors import show_error
from ..extensions import db
from ..models import Course, CourseSession, CourseStatus
from ..permissions import admin_required, may_choose_running_partnership
from ..timefmt import london_date
from . import bp
from .routes import managed_session_or_abort, runnable_course_or_abort
from .services import AdminError, Values
from .session_forms import NewSessionForm, SessionForm
from .session_services import (
    running_partnerships,
    schedule_series,
    sessions_with_counts,
    trainer_choices,
    update_session,
)
from .venue_services import venue_choices


@bp.route("/courses/<int:course_id>/sessions")
@admin_required
def course_sessions(course_id: int) -> ResponseReturnValue:
    course = runnable_course_or_abort(course_id)
    now = clock.now()
    rows = sessions_with_counts(course)
    upcoming = [row for row in rows if row[0].starts_at > now]
    past = [row for row in rows if row[0].starts_at <= now][::-1]
    # The bookings area's page for one session (bookings, capacity, cancel, postpone), when it is there.
    bookings_endpoint = "bookings.admin_session_bookings"
    return render_template(
        "admin/course_sessions.html",
        course=course,
        upcoming=upcoming,
        past=past,
        may_schedule=course.status != CourseStatus.ARCHIVED and not course.is_elearning,
        bookings_endpoint=bookings_endpoint if bookings_endpoint in current_app.view_functions else None,
    )


def session_form(course: Course, course_session: CourseSession | None = None, *, new: bool = False) -> SessionForm:
    """The session form with its choices: trainers, venues in use (and the session's own) and, for a
    system admin, the partnerships that may run the course. `new`: with the repeat fields."""
    form = NewSessionForm() if new else SessionForm()
    form.trainer_ids.choices = [SelectChoice(str(u.id), u.name) for u in trainer_choices(course_session)]
    if may_choose_running_partnership(current_user):
        form.partnership_id.choices = [SelectChoice("", "The course's owner")] + [
            SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in running_partnerships(course)
        ]
    else:
        del form.partnership_id
    form.venue_id.choices = [SelectChoice("", "Choose a venue")] + [
        SelectChoice(str(v.id), v.short_label + (f" (room for {v.room_capacity})" if v.room_capacity else ""))
        for v in venue_choices(course_session.venue if course_session else None)
    ]
    return form


def local_moment(day: date | None, at: time | None) -> datetime | None:
    """A London date and time as naive UTC, or None when either is missing."""
    if day is None or at is None:
        return None
    return clock.from_london(datetime.combine(day, at))


def session_values(form: SessionForm, day: date | None = None) -> Values:
    """The form's values for a session on `day` (London; default the form's date). A series moves the
    booking window with each session: booking for the third Wednesday opens as many days before it
    as booking for the first does."""
    first = form.date.data
    day = day or first
    shift = (day - first) if (day and first) else None

    def moved(field_day: date | None) -> date | None:
        return field_day + shift if field_day and shift else field_day

    return {
        "starts_at": local_moment(day, form.start_time.data),
        "ends_at": local_moment(day, form.end_time.data),
        **form.location_values(),
        "capacity": form.capacity.data,
        "trainer_ids": [i for i in form.trainer_ids.data or [] if i is not None],
        "booking_opens_at": local_moment(moved(form.opens_date.data), form.opens_time.data),
        "booking_closes_at": local_moment(moved(form.closes_date.data), form.closes_time.data),
        "partnership_id": form.partnership_id.data if "partnership_id" in form else None,
    }


def scheduling_refusal(course: Course) -> str | None:
    if course.is_elearning:
        return "E-learning courses have no sessions."
    if course.status == CourseStatus.ARCHIVED:
        return "This course is archived. Restore it before scheduling sessions."
    return None


def schedule_from(form: NewSessionForm, course: Course) -> ResponseReturnValue | None:
    """Schedule the form's session or series (all or none); a redirect when done, else None (the form
    shows the errors)."""
    if not form.validate_on_submit():
        return None
    try:
        scheduled = schedule_series(current_user, course, [session_values(form, day) for day in form.dates()])
    except AdminError as error:
        db.session.rollback()
        show_error(error, form)
        return None
    db.session.commit()
    if len(scheduled) == 1:
        flash("The session has been scheduled.", "success")
    else:
        first, last = london_date(scheduled[0].starts_at), london_date(scheduled[-1].starts_at)
        flash(f"{len(scheduled)} sessions have been scheduled, from {first} to {last}.", "success")
    return redirect(url_for("admin.course_sessions", course_id=course.id))


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@admin_required
def session_new(course_id: int) -> ResponseReturnValue:
    course = runnable_course_or_abort(course_id)
    refusal = scheduling_refusal(course)
    if refusal:
        flash(refusal, "info")
        return redirect(url_for("admin.course_sessions", course_id=course.id))
    form = session_form(course, new=True)
    assert isinstance(form, NewSessionForm)
    done = schedule_from(form, course)
    if done:
        return done
    return render_template("admin/session_form.html", form=form, course=course, course_session=None, source=None)


@bp.route("/sessions/<int:session_id>/copy", methods=["GET", "POST"])
@admin_required
def session_copy(session_id: int) -> ResponseReturnValue:
    """A new session (or series) of the same course, starting from a copy of this one's times, place,
    places and trainers; the date and booking window are chosen again. Whoever may schedule the course
    may copy any of its sessions: the copy is run by their own partnership."""
    source = db.get_or_404(CourseSession, session_id)
    course = runnable_course_or_abort(source.course_id)
    refusal = scheduling_refusal(course)
    if refusal:
        flash(refusal, "info")
        return redirect(url_for("admin.course_sessions", course_id=course.id))
    form = session_form(course, new=True)
    assert isinstance(form, NewSessionForm)
    if request.method == "GET":
        form.fill_from(source, clock.to_london)
        form.date.data = None
        for name in ("opens_date", "opens_time", "closes_date", "closes_time"):
            form[name].data = None
        offered_trainers = {choice.value for choice in form.trainer_ids.choices}
        form.trainer_ids.data = [i for i in form.trainer_ids.data or [] if str(i) in offered_trainers]
        if str(form.venue_id.data) not in {choice.value for choice in form.venue_id.choices}:
            form.venue_id.data = None
    done = schedule_from(form, course)
    if done:
        return done
    return render_template("admin/session_form.html", form=form, course=course, course_session=None, source=source)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@admin_required
def session_edit(session_id: int) -> ResponseReturnValue:
    course_session = managed_session_or_abort(session_id)
    course = course_session.course
    form = session_form(course, course_session)
    if request.method == "GET":
        form.fill_from(course_session, clock.to_london)
    if form.validate_on_submit():
        try:
            changed = update_session(current_user, course_session, session_values(form))
            if changed:
                # Written by the bookings area: tells booked delegates and updates their calendars.
                from ..bookings.sessions import notify_session_changed

                notify_session_changed(current_user, course_session, changed)
        except AdminError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(
                "The session has been updated."
                + (" Booked delegates will be told about the change." if changed else ""),
                "success",
            )
            return redirect(url_for("admin.course_sessions", course_id=course.id))
    return render_template(
        "admin/session_form.html", form=form, course=course, course_session=course_session, source=None
    )
