"""Changing and removing training requirements (system administrators: `may_manage_requirements`).

Editing what meets a requirement recomputes its compliance summary (records/summary.py does it in the
same flush); removing one deletes its summary rows and the record of refresher reminders sent for it
(the emails themselves stay in the outbox history and the audit log), then the requirement.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..audit import record_audit
from ..extensions import db
from ..models import Course, RefresherReminder, RequirementCompletion, TrainingRequirement, User
from .errors import RecordError


@dataclass(frozen=True)
class RequirementValues:
    name: str
    level: int | None
    course: Course | None
    validity_months: int | None


@dataclass(frozen=True)
class RequirementReach:
    """Whom removing a requirement affects."""

    people: int  # open accounts: each has a status on it (current, due, expired or never)
    completed: int  # of them, people with a completion that counts for it
    reminders: int  # refresher reminders recorded as sent for it


def update_requirement(actor: User, requirement: TrainingRequirement, values: RequirementValues) -> list[str]:
    """Change `requirement`; returns the names of the fields changed (audited). Raises RecordError when
    another requirement has the name, or neither or both of a level and a course are given."""
    if (values.level is None) == (values.course is None):
        raise RecordError("Choose either a level or a course", field="course")
    before = {
        "name": requirement.name,
        "level": requirement.level,
        "course_id": requirement.course_id,
        "validity_months": requirement.validity_months,
    }
    after = {
        "name": values.name,
        "level": values.level,
        "course_id": values.course.id if values.course else None,
        "validity_months": values.validity_months,
    }
    requirement.name = values.name
    requirement.level = values.level
    requirement.course = values.course
    requirement.validity_months = values.validity_months
    changed = [k for k in before if before[k] != after[k]]
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise RecordError("There is already a requirement with this name", field="name") from error
    if changed:
        changes = {k: {"before": before[k], "after": after[k]} for k in changed}
        record_audit(actor, "requirement.changed", requirement, changes=changes)
    return changed


def requirement_reach(requirement: TrainingRequirement) -> RequirementReach:
    is_open = (User.closed_at.is_(None), User.deactivated_at.is_(None))
    open_accounts = select(func.count()).select_from(User).where(*is_open)
    completed = (
        select(func.count())
        .select_from(RequirementCompletion)
        .join(User, User.id == RequirementCompletion.user_id)
        .where(RequirementCompletion.requirement_id == requirement.id, *is_open)
    )
    reminders = (
        select(func.count()).select_from(RefresherReminder).where(RefresherReminder.requirement_id == requirement.id)
    )
    return RequirementReach(
        db.session.scalar(open_accounts) or 0, db.session.scalar(completed) or 0, db.session.scalar(reminders) or 0
    )


def delete_requirement(actor: User, requirement: TrainingRequirement) -> RequirementReach:
    """Remove `requirement`, its summary rows and its reminders-sent record (audited with the counts)."""
    reach = requirement_reach(requirement)
    record_audit(
        actor,
        "requirement.deleted",
        requirement,
        name=requirement.name,
        people=reach.people,
        completed=reach.completed,
        reminders=reach.reminders,
    )
    db.session.execute(delete(RefresherReminder).where(RefresherReminder.requirement_id == requirement.id))
    db.session.execute(delete(RequirementCompletion).where(RequirementCompletion.requirement_id == requirement.id))
    db.session.delete(requirement)
    db.session.flush()
    return reach
