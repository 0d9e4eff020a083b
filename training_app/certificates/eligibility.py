"""Whether a booking earns a certificate yet: the one rule, asked by My training and the download.

A certificate is for an attended booking of a session that has ended. A course releases it either
at once or (the common rule, `CertificateRelease.AFTER_EVALUATION`) once the delegate has submitted
the post-course evaluation of that booking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select

from ..extensions import db
from ..models import Booking, BookingStatus, CertificateRelease, EvaluationStage
from ..models.evaluations import EvaluationResponse


class Availability(Enum):
    READY = "ready"
    NEEDS_EVALUATION = "needs_evaluation"
    NOT_ENDED = "not_ended"
    NOT_ATTENDED = "not_attended"


REASONS = {
    Availability.NEEDS_EVALUATION: "Complete the post-course evaluation to get your certificate.",
    Availability.NOT_ENDED: "The certificate is available once the session has ended.",
    Availability.NOT_ATTENDED: "Certificates are for sessions the register shows you attended.",
}


@dataclass(frozen=True)
class CertificateAvailability:
    state: Availability

    @property
    def ready(self) -> bool:
        return self.state is Availability.READY

    @property
    def needs_evaluation(self) -> bool:
        return self.state is Availability.NEEDS_EVALUATION

    @property
    def reason(self) -> str | None:
        return REASONS.get(self.state)


def availability(booking: Booking, at: datetime, post_submitted: bool) -> CertificateAvailability:
    """Whether `booking` earns its certificate at `at`, given whether its post-course evaluation is in."""
    if booking.status != BookingStatus.ATTENDED:
        return CertificateAvailability(Availability.NOT_ATTENDED)
    if booking.session.ends_at > at:
        return CertificateAvailability(Availability.NOT_ENDED)
    if booking.session.course.certificate_release == CertificateRelease.AFTER_EVALUATION and not post_submitted:
        return CertificateAvailability(Availability.NEEDS_EVALUATION)
    return CertificateAvailability(Availability.READY)


def post_evaluated(booking_ids: Iterable[int]) -> set[int]:
    """The bookings among `booking_ids` whose post-course evaluation has been submitted (one query)."""
    ids = list(booking_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(EvaluationResponse.booking_id).where(
                EvaluationResponse.booking_id.in_(ids), EvaluationResponse.stage == EvaluationStage.POST
            )
        )
    )


def availability_of(booking: Booking, at: datetime) -> CertificateAvailability:
    """`availability` for one booking, asking the database about its post-course evaluation."""
    return availability(booking, at, booking.id in post_evaluated([booking.id]))


def availabilities(bookings: Iterable[Booking], at: datetime) -> dict[int, CertificateAvailability]:
    """`availability` of each of `bookings` (by booking id), in one query for the evaluations."""
    rows = list(bookings)
    evaluated = post_evaluated(b.id for b in rows if b.status == BookingStatus.ATTENDED)
    return {b.id: availability(b, at, b.id in evaluated) for b in rows}
