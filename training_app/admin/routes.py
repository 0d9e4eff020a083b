"""The partnership team's pages: the courses they run and the sessions of each.

Every view checks permission first: admin_required for the area, then for one course
can_edit_course (its text: the owner) or can_run_course (its sessions: every partnership it counts
for), and for one session can_manage_session (the partnership that runs it).
"""

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from .. import clock
from ..errors import show_error
from ..extensions import db
from ..models import Course, CourseSession, CourseStatus
from ..permissions import (
    admin_required,
    can_edit_course,
    can_manage_session,
    can_run_course,
    may_choose_running_partnership,
    require,
    sees_all_partnerships,
)
from . import bp
from .forms import CourseForm, SessionForm
from .partnership_services import offered_partnerships
from .services import (
    AdminError,
    archive_course,
    create_course,
    managed_courses,
    partnership_by_code,
    partnerships,
    restore_course,
    running_partnerships,
    schedule_session,
    sessions_with_counts,
    trainer_choices,
    update_course,
    update_session,
)
from .venue_services import venue_choices


def managed_course_or_abort(course_id):
    """A course whose text the signed-in admin may edit (its owner's admins), or 404/403."""
    course = db.get_or_404(Course, course_id)
    require(can_edit_course(current_user, course))
    return course


def runnable_course_or_abort(course_id):
    """A course the signed-in admin may schedule sessions of (any partnership it counts for), or 404/403."""
    course = db.get_or_404(Course, course_id)
    require(can_run_course(current_user, course))
    return course


def managed_session_or_abort(session_id):
    course_session = db.get_or_404(CourseSession, session_id)
    require(can_manage_session(current_user, course_session))
    return course_session


@bp.route("/")
@admin_required
def index():
    all_partnerships = sees_all_partnerships(current_user)
    choices = partnerships() if all_partnerships else []
    selected = partnership_by_code(request.args.get("partnership", "")) if all_partnerships else None
    rows = managed_courses(current_user, selected.id if selected else None)
    return render_template(
        "admin/index.html", rows=rows, partnership_choices=choices, selected=selected, action_form=FlaskForm()
    )


def course_form(course=None):
    form = CourseForm()
    # Retired partnerships are not offered, unless the course already has them.
    keep = [course.owner_partnership_id, *(p.id for p in course.joint_partnerships)] if course else []
    all_partnerships = offered_partnerships(keep)
    form.joint_partnership_ids.choices = [SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in all_partnerships]
    if sees_all_partnerships(current_user):
        form.owner_partnership_id.choices = [SelectChoice("", "Choose a partnership")] + [
            SelectChoice(str(p.id), f"{p.name} ({p.code})") for p in all_partnerships
        ]
    else:
        del form.owner_partnership_id
    if course is not None and course.status == CourseStatus.ARCHIVED:
        del form.status
    if course is not None and course.level and str(course.level) not in [c.value for c in form.level.choices]:
        # The database allows levels up to 6; keep an unusual level choosable rather than lose it.
        form.level.choices = form.level.choices + [SelectChoice(str(course.level), f"Level {course.level}")]
    return form


@bp.route("/courses/new", methods=["GET", "POST"])
@admin_required
def course_new():
    form = course_form()
    if form.validate_on_submit():
        try:
            course = create_course(current_user, form.values())
        except AdminError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash(f"‘{course.title}’ has been added as a {course.status} course.", "success")
            return redirect(url_for("admin.course_sessions", course_id=course.id))
    return render_template("admin/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@admin_required
def course_edit(course_id):
    course = managed_course_or_abort(course_id)
    form = course_form(course)
    if request.method == "GET":
        form.fill_from(course)
    if form.validate_on_submit():
        try:
            diff = update_course(current_user, course, form.values())
        except AdminError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash("Your changes have been saved." if diff else "Nothing was changed.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/course_form.html", form=form, course=course, action_form=FlaskForm())


@bp.route("/courses/<int:course_id>/archive", methods=["POST"])
@admin_required
def course_archive(course_id):
    course = managed_course_or_abort(course_id)
    upcoming = archive_course(current_user, course)
    db.session.commit()
    message = f"‘{course.title}’ has been archived and is no longer in the catalogue."
    if upcoming:
        message += (
            f" It still has {upcoming} upcoming scheduled {'session' if upcoming == 1 else 'sessions'}:"
            " cancel them if they will not run."
        )
    flash(message, "success")
    return redirect(url_for("admin.index"))


@bp.route("/courses/<int:course_id>/restore", methods=["POST"])
@admin_required
def course_restore(course_id):
    course = managed_course_or_abort(course_id)
    restore_course(current_user, course)
    db.session.commit()
    flash(f"‘{course.title}’ has been restored as a draft. Publish it when it is ready.", "success")
    return redirect(url_for("admin.course_edit", course_id=course.id))


@bp.route("/courses/<int:course_id>/sessions")
@admin_required
def course_sessions(course_id):
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
        bookings_endpoint=bookings_endpoint if bookings_endpoint in current_app.view_functions else None,
    )


def session_form(course, course_session=None):
    form = SessionForm()
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


def local_moment(day, at):
    """A London date and time as naive UTC, or None when either is missing."""
    if day is None or at is None:
        return None
    return clock.from_london(datetime.combine(day, at))


def session_values(form):
    return {
        "starts_at": local_moment(form.date.data, form.start_time.data),
        "ends_at": local_moment(form.date.data, form.end_time.data),
        **form.location_values(),
        "capacity": form.capacity.data,
        "trainer_ids": [i for i in form.trainer_ids.data or [] if i is not None],
        "booking_opens_at": local_moment(form.opens_date.data, form.opens_time.data),
        "booking_closes_at": local_moment(form.closes_date.data, form.closes_time.data),
        "partnership_id": form.partnership_id.data if "partnership_id" in form else None,
    }


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@admin_required
def session_new(course_id):
    course = runnable_course_or_abort(course_id)
    if course.is_elearning or course.status == CourseStatus.ARCHIVED:
        flash(
            "E-learning courses have no sessions."
            if course.is_elearning
            else "This course is archived. Restore it before scheduling sessions.",
            "info",
        )
        return redirect(url_for("admin.course_sessions", course_id=course.id))
    form = session_form(course)
    if form.validate_on_submit():
        try:
            schedule_session(current_user, course, session_values(form))
        except AdminError as error:
            db.session.rollback()
            show_error(error, form)
        else:
            db.session.commit()
            flash("The session has been scheduled.", "success")
            return redirect(url_for("admin.course_sessions", course_id=course.id))
    return render_template("admin/session_form.html", form=form, course=course, course_session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@admin_required
def session_edit(session_id):
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
    return render_template("admin/session_form.html", form=form, course=course, course_session=course_session)
