"""Training recorded from elsewhere: a person adds it (with an optional certificate); staff verify it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO

from .. import clock
from ..audit import record_audit
from ..extensions import db
from ..models import Course, ExternalTraining, User
from .errors import RecordError
from .uploads import delete_certificate, store_certificate


@dataclass(frozen=True)
class ExternalDetails:
    title: str
    provider: str | None
    completed_on: date
    level: int | None
    hours: float | None
    course: Course | None


@dataclass(frozen=True)
class Upload:
    stream: IO[bytes]
    filename: str


def record_external_training(actor: User, details: ExternalDetails, certificate: Upload | None) -> ExternalTraining:
    """Add training `actor` did elsewhere to their own record. The date is a London date and may not be
    in the future. Raises RecordError, CertificateRejected (the file is not a PDF, PNG or JPEG)."""
    if details.completed_on > clock.to_london(clock.now()).date():
        raise RecordError("The date you completed it must be today or in the past", field="completed_on")
    training = ExternalTraining(
        user=actor,
        title=details.title,
        provider=details.provider or None,
        completed_at=clock.from_london(datetime.combine(details.completed_on, time())),
        level=details.level,
        hours=details.hours,
        course=details.course,
        created_at=clock.now(),
    )
    if certificate is not None:
        stored, content_type = store_certificate(certificate.stream)
        training.certificate_file = stored
        training.certificate_type = content_type
        training.certificate_name = (certificate.filename or "certificate")[-200:]
    db.session.add(training)
    try:
        db.session.flush()
    except Exception:
        delete_certificate(training.certificate_file)
        raise
    record_audit(actor, "external_training.recorded", training, title=training.title)
    return training


def verify_external_training(actor: User, training: ExternalTraining) -> bool:
    """Mark someone's recorded training as checked by `actor` (once; returns whether it changed)."""
    if training.verified_at is not None:
        return False
    training.verified_at = clock.now()
    training.verified_by = actor
    record_audit(actor, "external_training.verified", training, person_id=training.user_id)
    db.session.flush()
    return True
