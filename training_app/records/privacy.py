"""The training record and data-protection rights: what the data export holds, and what closing an
account (or the retention rule) does to the record."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from ..extensions import db
from ..models import ExternalTraining, RefresherReminder, User
from .uploads import certificate_path, delete_certificate


def _when(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _certificate(training: ExternalTraining) -> dict[str, Any] | None:
    if not training.certificate_file:
        return None
    path = certificate_path(training.certificate_file)
    content = base64.b64encode(path.read_bytes()).decode("ascii") if path.exists() else None
    return {
        "file_name": training.certificate_name,
        "content_type": training.certificate_type,
        "content_base64": content,
    }


def export_records(user: User) -> dict[str, Any]:
    """The record's own rows for the person's data export (attended bookings and e-learning completions
    are already in it): training recorded from elsewhere, with certificates, and reminders sent."""
    trainings = db.session.scalars(
        select(ExternalTraining).where(ExternalTraining.user_id == user.id).order_by(ExternalTraining.id)
    ).all()
    reminders = db.session.scalars(
        select(RefresherReminder).where(RefresherReminder.user_id == user.id).order_by(RefresherReminder.id)
    ).all()
    return {
        "external_training": [
            {
                "id": t.id,
                "title": t.title,
                "provider": t.provider,
                "completed_on": t.completed_on.isoformat(),
                "level": t.level,
                "hours": t.hours,
                "same_as_course": t.course.title if t.course else None,
                "verified_at": _when(t.verified_at),
                "recorded_at": _when(t.created_at),
                "certificate": _certificate(t),
            }
            for t in trainings
        ],
        "refresher_reminders": [
            {"requirement": r.requirement_id, "expires_on": r.expires_on.isoformat(), "days_before": r.days_before}
            for r in reminders
        ],
    }


def anonymise_records(user: User) -> int:
    """On closure: delete the person's certificate files and the free text they wrote about training done
    elsewhere, keeping the date, level and hours (linked to the anonymised account, like their bookings);
    forget the reminders sent. Returns how many files were deleted."""
    deleted = 0
    for training in db.session.scalars(select(ExternalTraining).where(ExternalTraining.user_id == user.id)):
        if training.certificate_file:
            delete_certificate(training.certificate_file)
            deleted += 1
        training.certificate_file = training.certificate_name = training.certificate_type = None
        training.title = "Training recorded elsewhere"
        training.provider = None
    db.session.execute(delete(RefresherReminder).where(RefresherReminder.user_id == user.id))
    return deleted
