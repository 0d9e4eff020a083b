"""A person's training record, as their page, its printable version and its CSV show it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from ..bookings.prerequisites import completed_level
from ..extensions import db
from ..models import RequirementStatus, TrainingRequirement, User
from .completions import Completion, meets, person_completions
from .validity import expires_on, london_today, status_on


@dataclass(frozen=True)
class RequirementLine:
    requirement: TrainingRequirement
    status: RequirementStatus
    latest: Completion | None
    expires_on: date | None


@dataclass(frozen=True)
class TrainingRecord:
    person: User
    today: date
    level: int
    completions: list[Completion]
    lines: list[RequirementLine]

    @property
    def attention(self) -> list[RequirementLine]:
        """What is due for renewal, expired or never done."""
        return [line for line in self.lines if line.status != RequirementStatus.CURRENT]

    def expiry_of(self, completion: Completion) -> date | None:
        """When `completion` stops counting: the shortest validity of the requirements it meets."""
        months = [line.requirement.validity_months for line in self.lines if meets(completion, line.requirement)]
        valid = [m for m in months if m]
        return expires_on(completion.completed_on, min(valid)) if valid else None


def requirements() -> Sequence[TrainingRequirement]:
    return db.session.scalars(
        select(TrainingRequirement)
        .options(joinedload(TrainingRequirement.course))
        .order_by(TrainingRequirement.level.is_(None), TrainingRequirement.level, TrainingRequirement.name)
    ).all()


def requirement_line(requirement: TrainingRequirement, completions: list[Completion], today: date) -> RequirementLine:
    latest = next((c for c in completions if meets(c, requirement)), None)  # completions are newest first
    done_on = latest.completed_on if latest else None
    return RequirementLine(
        requirement,
        status_on(done_on, requirement.validity_months, today),
        latest,
        expires_on(done_on, requirement.validity_months) if done_on else None,
    )


def training_record(user: User, at: datetime | None = None) -> TrainingRecord:
    """`user`'s record: every completion, their level, and where they stand on each requirement."""
    today = london_today(at)
    completions = person_completions(user)
    lines = [requirement_line(r, completions, today) for r in requirements()]
    return TrainingRecord(user, today, completed_level(user), completions, lines)


def record_html(user: User, at: datetime | None = None) -> str:
    """The printable record as one HTML document (the seam for a PDF: render this with the shared PDF
    helper). Drawn without the site's menus."""
    return render_template(
        "records/record.html",
        record=training_record(user, at),
        printable=True,
        printed_at=at or clock.now(),
        staff_view=False,
        may_verify=False,
    )


CSV_HEADER = ("Completed on", "Training", "How", "Level", "Hours", "Provider", "Verified", "Expires on")


def record_csv_rows(record: TrainingRecord) -> Iterator[tuple[object, ...]]:
    yield CSV_HEADER
    for c in record.completions:
        expiry = record.expiry_of(c)
        verified = ""
        if c.external is not None:
            verified = "Yes" if c.external.verified_at else "No"
        yield (
            c.completed_on.isoformat(),
            c.title,
            c.source.label,
            c.level_label or "",
            c.hours if c.hours is not None else "",
            c.provider or "",
            verified,
            expiry.isoformat() if expiry else "",
        )
    yield ()
    yield ("Requirement", "Status", "Latest completion", "Expires on")
    for line in record.lines:
        yield (
            line.requirement.name,
            line.status.label,
            line.latest.completed_on.isoformat() if line.latest else "",
            line.expires_on.isoformat() if line.expires_on else "",
        )
