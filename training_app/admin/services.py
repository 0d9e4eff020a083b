"""The partnership team's operations on the catalogue and the schedule.

Every function takes the acting user explicitly, flushes (never commits) and records an audit
event in the caller's transaction. Permission checks are the views' job (training_app.permissions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import clock
from ..audit import changes, record_audit
from ..errors import DomainError
from ..extensions import db
from ..models import Course, CourseSession, CourseStatus, Partnership, SessionStatus, User
from ..permissions import course_owner_for, runnable_courses_condition
from ..slugs import slugify

COURSE_FIELDS = (
    "title",
    "slug",
    "summary",
    "learning_outcomes",
    "level",
    "level_kind",
    "format",
    "audience",
    "duration_minutes",
    "prerequisite_text",
    "prerequisite_min_level",
    "pre_course_work",
    "owner_partnership_id",
    "is_hips",
    "allow_repeat_bookings",
    "certificate_release",
    "requires_manager_approval",
    "is_trainer_of_trainers",
    "elearning_url",
    "status",
)
# A form's values() by field name (CourseForm, SessionForm): each field's own type.
Values = Mapping[str, Any]


class AdminError(DomainError):
    """A change refused for a reason the administrator can fix; `field` says which input."""


class SlugTaken(AdminError):
    field = "slug"


# ---------------------------------------------------------------- queries


def managed_courses(actor: User, partnership_id: int | None = None) -> list[tuple[Course, int]]:
    """[(course, upcoming_sessions)] for the courses `actor` may run, by title.

    Partnership admins see the courses that count for their partnership (their own, joint and HIPS
    courses; archived ones too); system admins see all, or those that count for one partnership
    when `partnership_id` is given. "Upcoming" means scheduled and not yet started, whoever runs it.
    """
    now = clock.now()
    upcoming = (
        select(func.count(CourseSession.id))
        .where(
            CourseSession.course_id == Course.id,
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > now,
        )
        .correlate(Course)
        .scalar_subquery()
    )
    query = (
        select(Course, upcoming.label("upcoming"))
        .options(selectinload(Course.owner_partnership), selectinload(Course.joint_partnerships))
        .where(runnable_courses_condition(actor, partnership_id))
        .order_by(func.lower(Course.title), Course.id)
    )
    return [(course, count) for course, count in db.session.execute(query).all()]


def partnerships() -> Sequence[Partnership]:
    return db.session.scalars(select(Partnership).order_by(Partnership.code)).all()


def partnership_by_code(code: str) -> Partnership | None:
    return db.session.scalars(select(Partnership).where(Partnership.code == code)).first()


# ---------------------------------------------------------------- courses


def _slug_in_use(slug: str, course: Course | None = None) -> bool:
    query = select(Course.id).where(Course.slug == slug)
    if course is not None and course.id is not None:
        query = query.where(Course.id != course.id)
    return bool(db.session.scalar(select(exists(query))))


def _choose_slug(values: Values, course: Course | None = None) -> str:
    """The given slug (which must be free) or one made from the title (made unique with -2, -3 ...)."""
    if values.get("slug"):
        slug: str = values["slug"]
        if _slug_in_use(slug, course):
            raise SlugTaken(f"The slug '{slug}' is already used by another course. Choose a different one")
        return slug
    base = slugify(values["title"])
    slug, n = base, 1
    while _slug_in_use(slug, course):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply_course(course: Course, values: Values, joint: Iterable[Partnership]) -> None:
    for field in COURSE_FIELDS:
        if field in values:
            setattr(course, field, values[field])
    course.joint_partnerships = list(joint)


def _joint_partnerships(values: Values, owner_id: int | None) -> Sequence[Partnership]:
    ids = [i for i in values.get("joint_partnership_ids", []) if i != owner_id]
    if not ids:
        return []
    return db.session.scalars(select(Partnership).where(Partnership.id.in_(ids)).order_by(Partnership.id)).all()


def _flush_course() -> None:
    """Flush; a slug taken by a concurrent request becomes SlugTaken, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise SlugTaken("That slug was just used by another course. Choose a different one") from None


def create_course(actor: User, values: Values) -> Course:
    """Add a course owned by values['owner_partnership_id'] (a partnership admin's own partnership).

    values: the CourseForm's values(). Raises SlugTaken.
    """
    values = dict(values)
    values["owner_partnership_id"] = course_owner_for(actor, values.get("owner_partnership_id"), None)
    values["slug"] = _choose_slug(values)
    values.setdefault("status", CourseStatus.DRAFT)
    course = Course()
    _apply_course(course, values, _joint_partnerships(values, values["owner_partnership_id"]))
    db.session.add(course)
    _flush_course()
    record_audit(
        actor,
        "course.created",
        course,
        values={f: getattr(course, f) for f in COURSE_FIELDS},
        joint_partnerships=[p.code for p in course.joint_partnerships],
    )
    return course


def update_course(actor: User, course: Course, values: Values) -> dict[str, dict[str, object]]:
    """Change a course's details. An archived course stays archived (restore it to change that).

    Only a system admin may move a course to another partnership. Returns the changes recorded
    ({} when nothing changed). Raises SlugTaken.
    """
    values = dict(values)
    values["owner_partnership_id"] = course_owner_for(
        actor, values.get("owner_partnership_id"), course.owner_partnership_id
    )
    if course.status == CourseStatus.ARCHIVED or values.get("status") not in CourseStatus.EDITABLE:
        values["status"] = course.status
    values["slug"] = _choose_slug(values, course)
    joint = _joint_partnerships(values, values["owner_partnership_id"])
    diff = changes(course, COURSE_FIELDS, values)
    before_joint = sorted(p.code for p in course.joint_partnerships)
    after_joint = sorted(p.code for p in joint)
    if before_joint != after_joint:
        diff["joint_partnerships"] = {"before": before_joint, "after": after_joint}
    if not diff:
        return {}
    _apply_course(course, values, joint)
    _flush_course()
    record_audit(actor, "course.updated", course, changes=diff)
    return diff


def archive_course(actor: User, course: Course) -> int:
    """Take a course out of the catalogue; its sessions, bookings and history stay.

    Returns the number of upcoming scheduled sessions, which are not cancelled by this.
    """
    if course.status != CourseStatus.ARCHIVED:
        record_audit(
            actor, "course.archived", course, changes=changes(course, ("status",), {"status": CourseStatus.ARCHIVED})
        )
        course.status = CourseStatus.ARCHIVED
        course.archived_at = clock.now()
        db.session.flush()
    return (
        db.session.scalar(
            select(func.count(CourseSession.id)).where(
                CourseSession.course_id == course.id,
                CourseSession.status == SessionStatus.SCHEDULED,
                CourseSession.starts_at > clock.now(),
            )
        )
        or 0
    )


def restore_course(actor: User, course: Course) -> Course:
    """Bring an archived course back as a draft, so it is checked before it is published again."""
    if course.status == CourseStatus.ARCHIVED:
        record_audit(
            actor, "course.restored", course, changes=changes(course, ("status",), {"status": CourseStatus.DRAFT})
        )
        course.status = CourseStatus.DRAFT
        course.archived_at = None
        db.session.flush()
    return course


# ---------------------------------------------------------------- sessions
