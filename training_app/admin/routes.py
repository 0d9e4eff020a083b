"""The partnership team's pages: the courses they run and the sessions of each.

Every view checks permission first: admin_required for the area, then for one course
can_edit_course (its text: the owner) or can_run_course (its sessions: every partnership it counts
for), and for one session can_manage_session (the partnership that runs it).
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from ..errors import show_error
from ..extensions import db
from ..models import Course, CourseSession, CourseStatus
from ..permissions import (
    admin_required,
    can_edit_course,
    can_manage_session,
    can_run_course,
    require,
    sees_all_partnerships,
)
from . import bp
from .forms import CourseForm
from .partnership_services import offered_partnerships
from .services import (
    AdminError,
    archive_course,
    create_course,
    managed_courses,
    partnership_by_code,
    partnerships,
    restore_course,
    update_course,
)


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
