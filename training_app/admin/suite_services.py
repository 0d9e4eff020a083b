"""Themed suites (issue 16): named sets of courses, e.g. "Domestic abuse", "Exploitation", "Neglect".

A partnership admin manages their partnership's suites, a system admin every suite, including
HIPS-wide ones (no partnership). A partnership's suite may hold the courses that count for it
(Course.counts_for); a HIPS-wide suite any course. The catalogue filters by suite; the annual pack
shows each suite's figures (reports.suites).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, select, true

from ..audit import record_audit
from ..extensions import db
from ..models import Course, CourseStatus, User
from ..models.reviews import CourseSuite
from ..permissions import own_partnership, sees_all_partnerships, suites_condition
from .services import AdminError


class SuiteError(AdminError):
    """A suite change refused for a reason the administrator can fix."""


def suite_courses_condition(partnership_id: int | None) -> ColumnElement[bool]:
    """The courses a suite of `partnership_id` may hold (any, for a HIPS-wide suite)."""
    return true() if partnership_id is None else Course.counts_for(partnership_id)


def course_choices(partnership_id: int | None) -> Sequence[Any]:
    return db.session.execute(
        select(Course.id, Course.title)
        .where(suite_courses_condition(partnership_id), Course.status != CourseStatus.ARCHIVED)
        .order_by(Course.title, Course.id)
    ).all()


def managed_suites(actor: User) -> Sequence[CourseSuite]:
    return db.session.scalars(
        select(CourseSuite).where(suites_condition(actor)).order_by(CourseSuite.name, CourseSuite.id)
    ).all()


def _set_courses(suite: CourseSuite, course_ids: list[int]) -> None:
    if not course_ids:
        suite.courses = []
        return
    courses = db.session.scalars(
        select(Course).where(Course.id.in_(course_ids), suite_courses_condition(suite.partnership_id))
    ).all()
    if len(courses) != len(set(course_ids)):
        raise SuiteError("Choose courses your partnership runs", field="course_ids")
    suite.courses = list(courses)


def save_suite(actor: User, suite: CourseSuite | None, values: dict[str, Any]) -> CourseSuite:
    """Create (suite None) or change a suite: name, description, courses; a system admin also chooses
    its partnership (None: HIPS-wide). Raises SuiteError for a course the suite may not hold."""
    if suite is None:
        suite = CourseSuite(name="", description="")
        suite.partnership_id = values.get("partnership_id") if sees_all_partnerships(actor) else own_partnership(actor)
        db.session.add(suite)
    elif sees_all_partnerships(actor) and "partnership_id" in values:
        suite.partnership_id = values["partnership_id"]
    suite.name = values["name"]
    suite.description = values.get("description") or ""
    _set_courses(suite, [course_id for course_id in values.get("course_ids") or [] if course_id])
    db.session.flush()
    record_audit(actor, "suite.saved", suite, name=suite.name, courses=len(suite.courses))
    return suite


def suite_filter_choices() -> Sequence[Any]:
    """(id, name) of every suite that holds a course, for the catalogue's filter."""
    return db.session.execute(
        select(CourseSuite.id, CourseSuite.name)
        .where(CourseSuite.courses.any())
        .order_by(CourseSuite.name, CourseSuite.id)
    ).all()
